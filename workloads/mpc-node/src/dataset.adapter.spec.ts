import { columnsFromCsv, columnsFromRecords } from './dataset.adapter';

describe('dataset columns', () => {
  it('reads named CSV columns in header order', () => {
    expect(columnsFromCsv('t,y,x\n1,2.5,3\n4,-5,6\n', ['x', 'y'])).toEqual([[3, 6], [2.5, -5]]);
  });

  it('names the row and column of a bad cell, never its value', () => {
    expect(() => columnsFromCsv('y\n1\nsecret-value\n', ['y'])).toThrow(/^row 2: column y is not a number$/);
    let error: unknown;
    try {
      columnsFromRecords([{ y: 1 }, { y: 'secret-value' }], ['y']);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'DATASET_INVALID', message: 'row 2: column y is not a number' });
    expect(() => columnsFromCsv('a\n1\n', ['y'])).toThrow(/no column y/);
  });

  it('reads JSON records', () => {
    expect(columnsFromRecords([{ y: 1, x: '2' }, { y: 3, x: 4 }], ['y', 'x'])).toEqual([[1, 3], [2, 4]]);
  });
});
