import { seededRandom, xoshiro128ss } from './random';

describe('xoshiro128**', () => {
  // From the reference algorithm by hand, state {1, 2, 3, 4}: rotl(2·5, 7)·9 = 11520; the state then
  // becomes {7, 0, 1026, 12288}, giving 0; then {12295, 1029, 1029, 25165824}: rotl(5145, 7)·9 = 5927040.
  it('matches the reference outputs for state {1, 2, 3, 4}', () => {
    const next = xoshiro128ss([1, 2, 3, 4]);
    expect([next(), next(), next()]).toEqual([11520, 0, 5927040]);
  });

  it('escapes the all-zero state', () => {
    const next = xoshiro128ss([0, 0, 0, 0]);
    const outputs = Array.from({ length: 8 }, () => next());
    expect(outputs.some((x) => x !== 0)).toBe(true);
  });
});

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const big = seededRandom(2 ** 40 + 42);
    const xs = Array.from({ length: 50 }, () => a());
    expect(Array.from({ length: 50 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c())).not.toEqual(xs);
    expect(Array.from({ length: 50 }, () => big())).not.toEqual(xs);
  });

  it('draws uniformly in [0, 1): mean 1/2, variance 1/12, every tenth about equally often', () => {
    const random = seededRandom(7);
    const n = 200_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = random();
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      sumSq += x * x;
      const bin = Math.floor(x * 10);
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const mean = sum / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumSq / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
    // χ² with 9 degrees of freedom: 27.9 is the 0.1% critical value.
    const chi2 = bins.reduce((acc, count) => acc + (count - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it('refuses seeds that are not non-negative safe integers', () => {
    for (const seed of [-1, 1.5, 2 ** 53, Number.NaN]) {
      expect(() => seededRandom(seed)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', field: 'seed' }));
    }
  });
});
