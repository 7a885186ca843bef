import fc from 'fast-check';
import { EconomicsError } from './errors';
import { betasFor, ownership, ownershipExact } from './ownership';
import { PPM } from './ppm';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EconomicsError) return err.code;
    throw err;
  }
  throw new Error('expected an EconomicsError');
}

const beta = fc.integer({ min: 1, max: PPM - 1 });
const betas = (maxLength = 12) => fc.array(beta, { minLength: 1, maxLength });

describe('ownership: formulas (2) and (3)', () => {
  // π[VSP_3] = 0.1; π[VSP_2] = 0.25·0.9 = 0.225; π[VSP_1] = 0.2·0.75·0.9 = 0.135; DSP = 0.8·0.75·0.9 = 0.54.
  it('β = 0.8, 0.75, 0.9 gives 54%, 13.5%, 22.5%, 10%', () => {
    const own = ownership([800_000, 750_000, 900_000]);
    [0.54, 0.135, 0.225, 0.1].forEach((x, i) => expect(own[i]).toBeCloseTo(x, 14));
  });

  it('has the exact form over 10^(6n)', () => {
    const exact = ownershipExact([800_000, 750_000, 900_000]);
    expect(exact.denominator).toBe(10n ** 18n);
    expect(exact.numerators).toEqual([54n * 10n ** 16n, 135n * 10n ** 15n, 225n * 10n ** 15n, 10n ** 17n]);
  });

  it('treats an ended member as β = 1: it owns nothing of new revenue', () => {
    // Without VSP_2: DSP = 0.8·0.9 = 0.72, VSP_1 = 0.2·0.9 = 0.18, VSP_3 = 0.1.
    const own = ownership([800_000, 750_000, 900_000], { ended: [2] });
    [0.72, 0.18, 0, 0.1].forEach((x, i) => expect(own[i]).toBeCloseTo(x, 14));
    const exact = ownershipExact([800_000, 750_000, 900_000], { ended: [2] });
    expect(exact.numerators[2]).toBe(0n);
    expect(exact.numerators.reduce((a, b) => a + b, 0n)).toBe(exact.denominator);
  });

  it('refuses β outside (0, 10^6) and unknown ended members', () => {
    expect(codeOf(() => ownership([0]))).toBe('RATIO_OUT_OF_RANGE');
    expect(codeOf(() => ownershipExact([PPM]))).toBe('RATIO_OUT_OF_RANGE');
    expect(codeOf(() => ownership([500_000], { ended: [2] }))).toBe('INVALID_MEMBER');
  });

  it('exact numerators sum to the denominator, and the floats match them', () => {
    fc.assert(
      fc.property(betas(), (bs) => {
        const { denominator, numerators } = ownershipExact(bs);
        expect(numerators.reduce((a, b) => a + b, 0n)).toBe(denominator);
        const own = ownership(bs);
        const scale = Number(denominator);
        own.forEach((x, i) => expect(Math.abs(x - Number(numerators[i]) / scale)).toBeLessThan(1e-12));
        expect(Math.abs(own.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      }),
    );
  });
});

describe('betasFor: the inverse of ownership', () => {
  // P_0 = 0.5, P_1 = 0.8, P_2 = 1: β_1 = 0.5/0.8 = 0.625, β_2 = 0.8/1 = 0.8.
  it('shares 0.5, 0.3, 0.2 give β = 0.625, 0.8', () => {
    expect(betasFor([500_000, 300_000, 200_000])).toEqual([625_000, 800_000]);
    expect(betasFor([0.5, 0.3, 0.2])).toEqual([625_000, 800_000]);
    expect(betasFor([5n, 3n, 2n])).toEqual([625_000, 800_000]);
  });

  it('inverts the worked example', () => {
    expect(betasFor([540_000, 135_000, 225_000, 100_000])).toEqual([800_000, 750_000, 900_000]);
  });

  it('rounds to the nearest ppm, halves up', () => {
    // Thirds: β_1 = 1/2, β_2 = 2/3 = 666,666.67 ppm → 666,667.
    expect(betasFor([1, 1, 1])).toEqual([500_000, 666_667]);
    // 1/2,000,000 = 0.5 ppm exactly → 1.
    expect(betasFor([1, 1_999_999])).toEqual([1]);
    // 2/3 ppm → 1; 1/3 ppm would be 0.
    expect(betasFor([2, 2_999_998])).toEqual([1]);
  });

  it('refuses shares whose β would round to 0 or 1', () => {
    expect(codeOf(() => betasFor([1, 3_999_999]))).toBe('SHARE_NOT_REPRESENTABLE'); // 0.25 ppm
    expect(codeOf(() => betasFor([3_999_999, 1]))).toBe('SHARE_NOT_REPRESENTABLE'); // 999,999.75 ppm
    expect(() => betasFor([3_999_999, 1])).toThrow('shares[1] is too small next to DAO^(1)');
  });

  it('refuses missing, zero, negative and non-finite shares', () => {
    expect(codeOf(() => betasFor([1]))).toBe('INVALID_SHARE');
    expect(codeOf(() => betasFor([1, 0]))).toBe('INVALID_SHARE');
    expect(codeOf(() => betasFor([1n, -1n]))).toBe('INVALID_SHARE');
    expect(codeOf(() => betasFor([0.5, Number.NaN]))).toBe('INVALID_SHARE');
    expect(codeOf(() => betasFor([0.5, Number.POSITIVE_INFINITY]))).toBe('INVALID_SHARE');
  });

  it('law: betasFor(ownershipExact(β)) = β exactly', () => {
    fc.assert(
      fc.property(betas(), (bs) => {
        expect(betasFor(ownershipExact(bs).numerators)).toEqual(bs);
      }),
    );
  });

  it('law: betasFor(ownership(β)) = β within 1 ppm (floating point)', () => {
    fc.assert(
      fc.property(betas(8), (bs) => {
        const back = betasFor(ownership(bs));
        back.forEach((b, i) => expect(Math.abs(b - (bs[i] as number))).toBeLessThanOrEqual(1));
      }),
    );
  });

  it('law: ownership(betasFor(s)) = s within n·0.5 ppm (each β is off by at most half a ppm)', () => {
    const shares = fc
      .array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 10 })
      .map((ws) => {
        // Integer ppm shares summing to 10^6: scale weights, give the rounding rest to the DSP.
        const total = ws.reduce((a, b) => a + b, 0);
        const ppm = ws.map((w) => Math.max(1, Math.floor((w * PPM) / total)));
        ppm[0] = (ppm[0] as number) + PPM - ppm.reduce((a, b) => a + b, 0);
        return ppm;
      })
      .filter((ppm) => (ppm[0] as number) > 0);
    fc.assert(
      fc.property(shares, (s) => {
        const own = ownership(betasFor(s));
        const n = s.length - 1;
        own.forEach((x, i) => expect(Math.abs(x - (s[i] as number) / PPM)).toBeLessThanOrEqual(n * 0.5e-6 + 1e-12));
      }),
    );
  });
});
