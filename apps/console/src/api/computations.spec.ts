import { ApiError } from './client';
import { columnsOf, datasetChoice, datasetsOf, finished, parseResult, parseResults } from './computations';

const kept = { daoId: 'd1', version: 1, jobId: 'cmp-1', computation: 'mean', members: ['ADspMSP', 'BVspMSP'], resultDigest: 'ab'.repeat(32), txId: 'tx1', recordedAtMs: 1_700_000_000_000 };

describe("a member's results as its own bridge answers them", () => {
  it('keeps the fields the page shows of a list and of one result with its values', () => {
    expect(parseResults([kept])).toEqual([{ jobId: 'cmp-1', computation: 'mean', members: ['ADspMSP', 'BVspMSP'], resultDigest: 'ab'.repeat(32), txId: 'tx1', recordedAtMs: 1_700_000_000_000, version: 1 }]);
    expect(parseResult({ ...kept, result: { n: 12, mean: 3.5, coefficients: [1, 2] } }).result).toEqual({ n: 12, mean: 3.5, coefficients: [1, 2] });
  });

  it('refuses an answer that is not one (an error on the page, not a cast)', () => {
    expect(() => parseResults({ results: [kept] })).toThrow('not a list');
    expect(() => parseResults([{ ...kept, txId: 7 }])).toThrow(ApiError);
    expect(() => parseResults([{ ...kept, members: 'ADspMSP' }])).toThrow('no list of members');
    expect(() => parseResult(kept)).toThrow('no values');
    expect(() => parseResult({ ...kept, result: [1, 2] })).toThrow('no values');
    expect(() => parseResult({ ...kept, result: { mean: '3.5' } })).toThrow('not a number');
    expect(() => parseResult({ ...kept, result: { xs: [1, 'x'] } })).toThrow('not a number');
  });
});

describe('asking for a computation', () => {
  it('takes the columns as typed, comma-separated, without blanks', () => {
    expect(columnsOf(' pm25 , temperature,, ')).toEqual(['pm25', 'temperature']);
    expect(() => columnsOf(' , ')).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_REQUEST' }));
  });

  it('stops following a computation once it completed or failed', () => {
    expect(['queued', 'running', 'completed', 'failed'].map(finished)).toEqual([false, false, true, true]);
  });
});

describe('the datasets a version names (its infrastructure)', () => {
  const node = (owner: string, datasets?: unknown) => ({ name: `${owner.toLowerCase()}-node`, owner, placement: 'managed', kind: 'mpc-node', ...(datasets === undefined ? {} : { parameters: { datasets } }) });

  it("lists each workload's datasets under its owner, once each, by owner then name", () => {
    const infrastructure = {
      workloads: [
        node('BDspMSP', { readings: { topic: 't' }, buoys: { file: '/b.csv' } }),
        node('AVspMSP'),
        node('ADspMSP', { meters: { file: '/m.csv' } }),
        { ...node('BDspMSP', { readings: { file: '/again.csv' } }), name: 'b-node2' },
      ],
    };
    expect(datasetsOf(infrastructure)).toEqual([
      { owner: 'ADspMSP', name: 'meters' },
      { owner: 'BDspMSP', name: 'buoys' },
      { owner: 'BDspMSP', name: 'readings' },
    ]);
  });

  it('finds none where the version names none or its infrastructure is not a spec', () => {
    expect(datasetsOf({ workloads: [node('ADspMSP'), node('BVspMSP', {})] })).toEqual([]);
    for (const odd of [undefined, null, 'spec', [], { workloads: 'x' }, { workloads: [null, 7, { owner: 3, parameters: { datasets: { a: 1 } } }, node('ADspMSP', ['a']), node('ADspMSP', 'a')] }]) {
      expect(datasetsOf(odd)).toEqual([]);
    }
  });

  it("offers the chosen owner's datasets, keeping the one picked while it is offered, else the first", () => {
    const datasets = [
      { owner: 'ADspMSP', name: 'meters' },
      { owner: 'BDspMSP', name: 'buoys' },
      { owner: 'BDspMSP', name: 'readings' },
    ];
    expect(datasetChoice(datasets, 'BDspMSP', '')).toEqual({ names: ['buoys', 'readings'], chosen: 'buoys' });
    expect(datasetChoice(datasets, 'BDspMSP', 'readings')).toEqual({ names: ['buoys', 'readings'], chosen: 'readings' });
    // Picked under another owner (or version): not offered here, so the first.
    expect(datasetChoice(datasets, 'ADspMSP', 'readings')).toEqual({ names: ['meters'], chosen: 'meters' });
    expect(datasetChoice(datasets, 'CDspMSP', 'meters')).toEqual({ names: [], chosen: undefined });
    expect(datasetChoice(datasets, undefined, '')).toEqual({ names: [], chosen: undefined });
  });
});
