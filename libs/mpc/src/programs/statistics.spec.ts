import fc from 'fast-check';
import { dealPreprocessing } from '../preprocessing/trusted-dealer';
import { runLocalParties } from '../online/local-run';
import { assertSecondMomentRange, decodeFixed, encodeFixed } from './fixed-point';
import {
  secureCovariance, secureDotProduct, secureLinearRegression, secureMean, secureSum, secureVariance,
} from './statistics';

const F = 16;
const TOL = 2 ** -(F - 2); // inputs are quantised to 2^-(f+1); results stay within a few quanta

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
          const { stores } = dealPreprocessing({ parties: 3, triples: 3 * n, masks: 2 * n + 20 });
          const o = { recipients: [2], fractionalBits: F };
          const outs = await runLocalParties(stores, async (p) => {
            const x = await p.input(0, p.id === 0 ? encodeFixed(xs, F) : n);
            const y = await p.input(1, p.id === 1 ? encodeFixed(ys, F) : n);
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
    const { stores } = dealPreprocessing({ parties: 3, triples: 6 * n, masks: 3 * n + 20 });
    const outs = await runLocalParties(stores, async (p) => {
      const a = await p.input(0, p.id === 0 ? encodeFixed(x1, F) : n);
      const b = await p.input(0, p.id === 0 ? encodeFixed(x2, F) : n);
      const t = await p.input(1, p.id === 1 ? encodeFixed(y, F) : n);
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
});
