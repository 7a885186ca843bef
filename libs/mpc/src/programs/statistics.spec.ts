import fc from 'fast-check';
import { dealPreprocessing } from '../preprocessing/trusted-dealer';
import { runLocalParties, runLocalPartiesSettled } from '../online/local-run';
import { decodeSigned } from '../field/reference';
import {
  assertLimbRange, assertOneLimbRange, assertRangeAt, assertSecondMomentRange, decodeFixed, encodeAt, encodeFixed, encodeFixedLimbs, type Precision,
} from './fixed-point';
import {
  inputFixed, secureCovariance, secureDotProduct, secureLinearRegression, secureMean, secureSum, secureVariance,
} from './statistics';
import { roundShiftTriples } from './truncate';

const F = 16;
// Two limbs of F bits: inputs are quantised to 2^-(2F+1); results stay within a few quanta.
const TOL = 2 ** -(2 * F - 2);
/** Triples for k sums of products over n rows (three dot products each, and their rounding). */
const triplesFor = (n: number, k: number) => 3 * n * k + roundShiftTriples(2 * k);

function plainStats(xs: number[]) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { mean, variance };
}

describe('fixed point', () => {
  it('round-trips within half a quantum and encodes negatives', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => {
        return Math.abs(decodeFixed(encodeFixed([x], F)[0]!, F) - x) <= 2 ** -(F + 1);
      }),
    );
  });

  it('splits a value into two limbs that round-trip within half a quantum of 2^-2f', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 8 }), (xs) => {
        const e = encodeFixedLimbs(xs, F);
        return xs.every((x, i) => {
          const hi = decodeSigned(e[i]!);
          const lo = decodeSigned(e[xs.length + i]!);
          const half = 1n << BigInt(F - 1);
          return lo >= -half && lo < half && Math.abs(Number((hi << BigInt(F)) + lo) / 2 ** (2 * F) - x) <= 2 ** -(2 * F + 1);
        });
      }),
    );
  });

  it('refuses two-limb inputs whose sums would leave the range', () => {
    // n·max|x|²·2^2f < 2^59: 10^4·120²·2^32 ≈ 2^59.1, 10^4·110²·2^32 ≈ 2^58.8.
    expect(() => assertLimbRange(Array(10_000).fill(120), F)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
    expect(() => assertLimbRange(Array(10_000).fill(110), F)).not.toThrow();
    // First sums only (sum, mean): n·max|x|·2^2f.
    expect(() => assertLimbRange(Array(10_000).fill(100), F, false)).not.toThrow();
    expect(() => assertLimbRange(Array(100_000).fill(1e5), F, false)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
    // Low limbs alone: n·2^(2f−2) ≥ 2^58 for f = 24 and n = 2^13.
    expect(() => assertLimbRange(Array(1 << 13).fill(0.001), 24)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
  });

  it('refuses values whose second moments would overflow the field', () => {
    expect(() => assertSecondMomentRange(Array(10_000).fill(1000), F)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
    expect(() => assertSecondMomentRange(Array(10_000).fill(100), F)).not.toThrow();
    expect(() => encodeFixed([Number.NaN], F)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('statistics catalogue (3 parties, owner 0 inputs, party 2 receives)', () => {
  it('sum, mean, variance, covariance and dot product agree with plaintext', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true })), { minLength: 2, maxLength: 40 }),
        async (rows) => {
          const xs = rows.map((r) => r[0]);
          const ys = rows.map((r) => r[1]);
          const n = xs.length;
          const { stores } = dealPreprocessing({ parties: 3, triples: triplesFor(n, 3), masks: 4 * n + 20 });
          const o = { recipients: [2], fractionalBits: F };
          const outs = await runLocalParties(stores, async (p) => {
            const x = await inputFixed(p, 0, p.id === 0 ? encodeFixedLimbs(xs, F) : n);
            const y = await inputFixed(p, 1, p.id === 1 ? encodeFixedLimbs(ys, F) : n);
            return {
              sum: await secureSum(p, x, o),
              mean: await secureMean(p, x, o),
              v: await secureVariance(p, x, o),
              c: await secureCovariance(p, x, y, o),
              dot: await secureDotProduct(p, x, y, o),
            };
          });
          expect(outs[0]!.v).toBeUndefined();
          expect(outs[1]!.sum).toBeUndefined();
          const r = outs[2]!;
          const px = plainStats(xs);
          const py = plainStats(ys);
          const cov = xs.reduce((a, x, i) => a + (x - px.mean) * (ys[i]! - py.mean), 0) / n;
          const dot = xs.reduce((a, x, i) => a + x * ys[i]!, 0);
          expect(Math.abs(r.sum! - xs.reduce((a, b) => a + b, 0))).toBeLessThan(n * TOL);
          expect(Math.abs(r.mean! - px.mean)).toBeLessThan(TOL);
          expect(Math.abs(r.v!.mean - px.mean)).toBeLessThan(TOL);
          expect(Math.abs(r.v!.variance - px.variance)).toBeLessThan(200 * TOL);
          expect(Math.abs(r.c!.covariance - cov)).toBeLessThan(200 * TOL);
          expect(Math.abs(r.dot! - dot)).toBeLessThan(200 * n * TOL);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('fits a least-squares regression with two features', async () => {
    const n = 200;
    const x1 = Array.from({ length: n }, (_, i) => (i % 17) - 8);
    const x2 = Array.from({ length: n }, (_, i) => ((i * 7) % 13) / 2);
    const y = x1.map((a, i) => 1.5 + 0.75 * a - 2 * x2[i]! + 0.01 * Math.sin(i));
    const { stores } = dealPreprocessing({ parties: 3, triples: triplesFor(n, 6), masks: 6 * n + 20 });
    const outs = await runLocalParties(stores, async (p) => {
      const a = await inputFixed(p, 0, p.id === 0 ? encodeFixedLimbs(x1, F) : n);
      const b = await inputFixed(p, 0, p.id === 0 ? encodeFixedLimbs(x2, F) : n);
      const t = await inputFixed(p, 1, p.id === 1 ? encodeFixedLimbs(y, F) : n);
      return secureLinearRegression(p, [a, b], t, { recipients: [0, 1], fractionalBits: F });
    });
    expect(outs[2]).toBeUndefined();
    const [b0, b1, b2] = outs[0]!.coefficients;
    expect(b0).toBeCloseTo(1.5, 2);
    expect(b1).toBeCloseTo(0.75, 3);
    expect(b2).toBeCloseTo(-2, 3);
    expect(outs[0]!.r2).toBeGreaterThan(0.999);
    expect(outs[1]!.coefficients).toEqual(outs[0]!.coefficients);
  });

  it('keeps the dot product, mean and variance within the two-limb bound (one limb of 16 bits misses it by far)', async () => {
    // Uniform on [−10, 10): the bench's data at n = 1,000. Worst-case error bounds from quantisation
    // at 2^-(2f+1) = 2^-33 per input and one rounding at 2^-2f per sum of products; with one limb
    // (2^-17 per input) the typical errors are 10^-3, 10^-7 and 10^-6, far above them.
    const n = 1000;
    let seed = 42;
    const uniform = () => Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 20 - 10);
    const [xs, ys] = [uniform(), uniform()];
    const q = 2 ** -(2 * F + 1);
    const { stores } = dealPreprocessing({ parties: 3, triples: triplesFor(n, 2), masks: 4 * n + 20 });
    const o = { recipients: [1], fractionalBits: F };
    const outs = await runLocalParties(stores, async (p) => {
      const x = await inputFixed(p, 0, p.id === 0 ? encodeFixedLimbs(xs, F) : n);
      const y = await inputFixed(p, 0, p.id === 0 ? encodeFixedLimbs(ys, F) : n);
      return { dot: await secureDotProduct(p, x, y, o), v: await secureVariance(p, x, o) };
    });
    const r = outs[1]!;
    const dot = xs.reduce((a, x, i) => a + x * ys[i]!, 0);
    const { mean, variance } = plainStats(xs);
    expect(Math.abs(r.dot! - dot)).toBeLessThanOrEqual(n * (2 * 10 * q + q * q) + 2 * 2 ** -(2 * F));
    expect(Math.abs(r.v!.mean - mean)).toBeLessThanOrEqual(q * 1.001);
    expect(Math.abs(r.v!.variance - variance)).toBeLessThanOrEqual(2 * 10 * q + q * q + 2 * 2 ** -(2 * F) / n + 2 * Math.abs(mean) * q + q * q + 1e-12);
    // And relative errors at MPyC's order (its 32 fractional bits give about 10^-11 here).
    expect(Math.abs(r.dot! - dot) / Math.abs(dot)).toBeLessThan(1e-9);
    expect(Math.abs(r.v!.variance - variance) / variance).toBeLessThan(1e-9);
  });
});

describe('precision as a choice of the computation (fxp32: two limbs, fxp16: one limb of f = 16)', () => {
  // Values off every dyadic grid (thirds and sevenths), so each precision's quantisation shows.
  const n = 24;
  const xs = Array.from({ length: n }, (_, i) => (i - 11) / 3 + 0.1 / 7);
  const ys = Array.from({ length: n }, (_, i) => (5 - i) / 7 + 1 / 3);
  /** Σ round(x·2^b)·round(y·2^b), exactly. */
  const quantisedDot = (b: number) => xs.reduce((s, x, i) => s + BigInt(Math.round(x * 2 ** b)) * BigInt(Math.round(ys[i]! * 2 ** b)), 0n);
  // What each precision computes: fxp16 Σ X·Y/2^(2f) exactly; fxp32 Σ X·Y/2^(4f), rounded once at 2^-(2f).
  const exact16 = Number(quantisedDot(F)) / 2 ** (2 * F);
  const exact32 = Number(quantisedDot(2 * F)) / 2 ** (4 * F);
  const plainDot = xs.reduce((a, x, i) => a + x * ys[i]!, 0);
  const abs = xs.reduce((a, x, i) => a + Math.abs(x) + Math.abs(ys[i]!), 0);

  async function run(precision: Precision) {
    const { stores } = dealPreprocessing({ parties: 3, triples: triplesFor(n, 2), masks: 4 * n + 20, squares: 3 * n });
    const o = { recipients: [2], fractionalBits: F };
    const outs = await runLocalParties(stores, async (p) => {
      const x = await inputFixed(p, 0, p.id === 0 ? encodeAt(xs, F, precision) : n, precision);
      const y = await inputFixed(p, 0, p.id === 0 ? encodeAt(ys, F, precision) : n, precision);
      return { dot: await secureDotProduct(p, x, y, o), v: await secureVariance(p, x, o), mean: await secureMean(p, x, o) };
    });
    return outs[2]!;
  }

  it('fxp32 gives Σxy within one unit of 2^-32 of the 32-bit quantised product, inside its bound; fxp16\'s quantisation is far outside it', async () => {
    const r = await run('fxp32');
    expect(Math.abs(r.dot! - exact32)).toBeLessThanOrEqual(2 ** -(2 * F));
    // Documented bound: Σ(|x|+|y|)·2^-(2f+1) + n·2^-(4f+2) + 2^-(2f) against the real product.
    const bound32 = abs * 2 ** -(2 * F + 1) + n * 2 ** -(4 * F + 2) + 2 ** -(2 * F);
    expect(Math.abs(r.dot! - plainDot)).toBeLessThanOrEqual(bound32);
    expect(Math.abs(exact16 - exact32)).toBeGreaterThan(100 * bound32);
    expect(Math.abs(r.mean! - xs.reduce((a, b) => a + b, 0) / n)).toBeLessThanOrEqual(2 ** -(2 * F + 1));
  });

  it('fxp16 gives exactly the 16-bit quantised Σxy, inside its bound; fxp32\'s result is not it', async () => {
    const r = await run('fxp16');
    expect(r.dot).toBe(exact16);
    const bound16 = abs * 2 ** -(F + 1) + n * 2 ** -(2 * F + 2);
    expect(Math.abs(r.dot! - plainDot)).toBeLessThanOrEqual(bound16);
    expect(Math.abs(exact32 - exact16)).toBeGreaterThan(2 ** -(2 * F));
    // Mean and variance exactly from the 16-bit quantised values.
    const q = xs.map((x) => BigInt(Math.round(x * 2 ** F)));
    const s1 = q.reduce((a, b) => a + b, 0n);
    const s2 = q.reduce((a, b) => a + b * b, 0n);
    expect(r.mean).toBe(Number(s1) / 2 ** F / n);
    expect(r.v!.variance).toBe(Number(BigInt(n) * s2 - s1 * s1) / (n * n * 2 ** (2 * F)));
    expect(Math.abs(r.mean! - xs.reduce((a, b) => a + b, 0) / n)).toBeLessThanOrEqual(2 ** -(F + 1));
  });

  it('refuses inputs of different precisions in one product', async () => {
    const { stores } = dealPreprocessing({ parties: 3, triples: triplesFor(n, 1), masks: 3 * n + 20 });
    const outs = await runLocalPartiesSettled(stores, async (p) => {
      const x = await inputFixed(p, 0, p.id === 0 ? encodeAt(xs, F, 'fxp32') : n, 'fxp32');
      const y = await inputFixed(p, 0, p.id === 0 ? encodeAt(ys, F, 'fxp16') : n, 'fxp16');
      return secureDotProduct(p, x, y, { recipients: [2], fractionalBits: F });
    });
    for (const o of outs) expect(o).toMatchObject({ status: 'rejected', reason: { code: 'INVALID_ARGUMENT' } });
  });

  it('checks one-limb ranges: first sums n·H and products n·H² below 2^60', () => {
    // 10^4·(170·2^16)² ≈ 2^60.1; 10^4·(160·2^16)² ≈ 2^59.9 (one limb allows |x| < 163 at n = 10^4).
    expect(() => assertOneLimbRange(Array(10_000).fill(170), F)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
    expect(() => assertOneLimbRange(Array(10_000).fill(160), F)).not.toThrow();
    expect(() => assertOneLimbRange(Array(10_000).fill(170), F, false)).not.toThrow();
    // First sums: 10^5·2·10^8·2^16 ≈ 2^60.2.
    expect(() => assertOneLimbRange(Array(100_000).fill(2e8), F, false)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
    expect(() => assertRangeAt(Array(10_000).fill(120), F, 'fxp32')).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
    expect(() => assertRangeAt(Array(10_000).fill(120), F, 'fxp16')).not.toThrow();
  });
});
