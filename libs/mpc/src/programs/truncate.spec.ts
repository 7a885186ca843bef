import fc from 'fast-check';
import { P, decodeSigned, encodeSigned } from '../field/reference';
import { fromBigInts } from '../field/vector';
import { runLocalParties, runLocalPartiesSettled } from '../online/local-run';
import { dealPreprocessing } from '../preprocessing/trusted-dealer';
import type { MessageInterceptor } from '../transport/transport';
import { TRUNCATE_LIMIT_BITS, roundShift, roundShiftTriples } from './truncate';

/** The reference: round(x / 2^m), half-way cases up (BigInt >> is a floor). */
const reference = (x: bigint, m: number): bigint => (m === 0 ? x : (x + (1n << BigInt(m - 1))) >> BigInt(m));
const LIMIT = 1n << BigInt(TRUNCATE_LIMIT_BITS);

async function shifted(xs: readonly bigint[], shifts: readonly number[], intercept?: MessageInterceptor) {
  const L = xs.length;
  // Only roundShift's own consumption (the value goes in through a mask): the bound must be enough.
  const { stores } = dealPreprocessing({ parties: 3, triples: roundShiftTriples(L), masks: 2 * L });
  return runLocalPartiesSettled(
    stores,
    async (p) => {
      const x = await p.input(0, p.id === 0 ? fromBigInts(xs.map(encodeSigned)) : L);
      return p.open(await roundShift(p, x, shifts));
    },
    intercept,
  );
}

describe('exact rounding division by 2^m (roundShift)', () => {
  it('is exact at the edges of its range and of every shift', async () => {
    const xs: bigint[] = [];
    const shifts: number[] = [];
    for (const m of [0, 1, 16, 32, 58]) {
      const h = m > 0 ? 1n << BigInt(m - 1) : 0n;
      for (const x of [0n, 1n, -1n, h, h - 1n, -h, -h - 1n, 3n * h, -3n * h, LIMIT - 1n, -(LIMIT - 1n), 123456789n, -987654321012n]) {
        xs.push(x);
        shifts.push(m);
      }
    }
    const [r] = await shifted(xs, shifts);
    expect(r!.status).toBe('fulfilled');
    const got = Array.from((r as PromiseFulfilledResult<BigUint64Array>).value, decodeSigned);
    expect(got).toEqual(xs.map((x, j) => reference(x, shifts[j]!)));
  });

  it('agrees with the reference on random values and shifts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.bigInt({ min: -(LIMIT - 1n), max: LIMIT - 1n }), fc.integer({ min: 0, max: TRUNCATE_LIMIT_BITS })), { minLength: 1, maxLength: 6 }),
        async (cases) => {
          const xs = cases.map((c) => c[0]);
          const shifts = cases.map((c) => c[1]);
          const outs = await runLocalParties(dealPreprocessing({ parties: 2, triples: roundShiftTriples(xs.length), masks: 2 * xs.length }).stores, async (p) => {
            const x = await p.input(1, p.id === 1 ? fromBigInts(xs.map(encodeSigned)) : xs.length);
            return p.open(await roundShift(p, x, shifts));
          });
          expect(Array.from(outs[0]!, decodeSigned)).toEqual(xs.map((x, j) => reference(x, shifts[j]!)));
        },
      ),
      { numRuns: 10 },
    );
  });

  it('refuses shifts out of range', async () => {
    const [r] = await shifted([5n], [TRUNCATE_LIMIT_BITS + 1]);
    expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a masked opening altered in transit fails the MAC check before anything is output', async () => {
    const xs = [1000n, -77n, 5n];
    let hits = 0;
    const results = await shifted(xs, [4, 4, 4], (from, _to, data) => {
      // Party 1's share of c = x' + r: its first 3-word message (inputs come from party 0).
      if (from === 1 && data.length === 3 * 8 && hits++ < 2) {
        const w = new BigUint64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
        w[0] = (w[0]! + 1n) % P;
        return new Uint8Array(w.buffer);
      }
      return data;
    });
    expect(hits).toBeGreaterThan(0);
    for (const i of [0, 2]) expect((results[i] as PromiseRejectedResult).reason).toMatchObject({ code: 'MAC_CHECK_FAILED' });
  });
});
