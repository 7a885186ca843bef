import { vrandom } from '../field/vector';
import { PreprocessingStore } from './store';

const shared = (n: number) => ({ value: vrandom(n), mac: vrandom(n) });

describe('preprocessing store', () => {
  it('hands out triples across batch boundaries in order, each once', () => {
    const s = new PreprocessingStore(0, 2, 5n);
    const t1 = { a: shared(3), b: shared(3), c: shared(3) };
    const t2 = { a: shared(4), b: shared(4), c: shared(4) };
    s.addTriples(t1);
    s.addTriples(t2);
    const got = s.takeTriples(5);
    expect(Array.from(got.c.mac)).toEqual([...Array.from(t1.c.mac), ...Array.from(t2.c.mac.subarray(0, 2))]);
    expect(s.availableTriples()).toBe(2);
    expect(() => s.takeTriples(3)).toThrow(expect.objectContaining({ code: 'PREPROCESSING_EXHAUSTED' }));
  });

  it('rejects malformed triple and mask batches with TRIPLE_CHECK_FAILED', () => {
    const s = new PreprocessingStore(1, 2, 5n);
    expect(() => s.addTriples({ a: shared(3), b: shared(3), c: { value: vrandom(3), mac: vrandom(2) } })).toThrow(
      expect.objectContaining({ code: 'TRIPLE_CHECK_FAILED', name: 'TripleCheckFailedError' }),
    );
    expect(() => s.addMasks(1, { mask: shared(2), clear: vrandom(3) })).toThrow(expect.objectContaining({ code: 'TRIPLE_CHECK_FAILED' }));
    expect(() => s.addMasks(1, { mask: shared(2) })).toThrow(RangeError);
  });
});
