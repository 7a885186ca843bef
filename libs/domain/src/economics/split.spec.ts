import fc from 'fast-check';
import { EconomicsError } from './errors';
import { ownershipExact } from './ownership';
import { PPM } from './ppm';
import { type DaoTerms, allocateLevel, split, splitByWeights } from './split';

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
const total = fc.bigInt({ min: 0n, max: 2n ** 80n });
const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

describe('split: worked examples computed by hand', () => {
  // L_3 = 1,000,000: J_3 = 10% = 100,000, L_2 = 900,000; J_2 = 25% = 225,000, L_1 = 675,000;
  // J_1 = 20% = 135,000, D = 540,000.
  it('total 1,000,000 with β = 0.8, 0.75, 0.9', () => {
    const r = split(1_000_000n, [800_000, 750_000, 900_000]);
    expect(r.dsp).toBe(540_000n);
    expect(r.vsps).toEqual([135_000n, 225_000n, 100_000n]);
    expect(r.lumps).toEqual([675_000n, 900_000n, 1_000_000n]);
    expect(r.dspMembers).toEqual([540_000n]);
    expect(r.vspMembers).toEqual([[135_000n], [225_000n], [100_000n]]);
  });

  // VSP_2 has ended: CH_2 passes its whole 900,000 down; J_1 = 20% of 900,000; D gets the rest.
  it('the same DAO after VSP_2 ended', () => {
    const r = split(1_000_000n, [800_000, 750_000, 900_000], { ended: [2] });
    expect(r.dsp).toBe(720_000n);
    expect(r.vsps).toEqual([180_000n, 0n, 100_000n]);
    expect(r.lumps).toEqual([900_000n, 900_000n, 1_000_000n]);
  });

  // 1001·0.666667 = 667.33… → J_2 = 667, L_1 = 334; 334·0.5 = 167 → J_1 = 167, D = 167.
  it('floors each level and leaves the remainder with the lower DAO', () => {
    const r = split(1001n, [500_000, 333_333]);
    expect(r.vsps).toEqual([167n, 667n]);
    expect(r.lumps).toEqual([334n, 1001n]);
    expect(r.dsp).toBe(167n);
  });

  it('handles totals far above 2^53', () => {
    const r = split(10n ** 30n, [500_000]);
    expect(r.vsps).toEqual([5n * 10n ** 29n]);
    expect(r.dsp).toBe(5n * 10n ** 29n);
  });

  it('gives a DAO without VSPs everything to D, and zero revenue pays nobody', () => {
    expect(split(77n, []).dsp).toBe(77n);
    const zero = split(0, [800_000, 900_000]);
    expect([zero.dsp, ...zero.vsps]).toEqual([0n, 0n, 0n]);
  });

  it('gives nothing to every VSP once all have ended', () => {
    const r = split(1000n, [100_000, 200_000], { ended: [1, 2] });
    expect(r.dsp).toBe(1000n);
    expect(r.vsps).toEqual([0n, 0n]);
  });
});

describe('groups of several organisations', () => {
  // 100/3 = 33.3 → 33 each, the unit left over goes to the first member.
  it('splits by weights with the remainder to the first member', () => {
    expect(splitByWeights(100n, [1, 1, 1])).toEqual([34n, 33n, 33n]);
    // 10·2/3 = 6.67 → 6, 10·1/3 = 3.33 → 3, remainder 1 → first.
    expect(splitByWeights(10n, [2, 1])).toEqual([7n, 3n]);
    expect(splitByWeights(10n, [1, 2])).toEqual([4n, 6n]);
  });

  it('splits D and each J_i inside the level-by-level split', () => {
    const terms: DaoTerms = {
      dspWeights: [3, 1],
      levels: [{ betaPpm: 800_000, weights: [1, 1] }, { betaPpm: 750_000 }, { betaPpm: 900_000, weights: [1, 1, 1] }],
    };
    const r = split(1_000_000n, terms);
    // D = 540,000 → 405,000 and 135,000; J_1 = 135,000 → 67,500 each; J_3 = 100,000 → 33,334/33,333/33,333.
    expect(r.dspMembers).toEqual([405_000n, 135_000n]);
    expect(r.vspMembers).toEqual([[67_500n, 67_500n], [225_000n], [33_334n, 33_333n, 33_333n]]);
  });

  it('refuses weights that are not positive integers', () => {
    expect(codeOf(() => splitByWeights(10n, []))).toBe('INVALID_WEIGHTS');
    expect(codeOf(() => splitByWeights(10n, [1, 0]))).toBe('INVALID_WEIGHTS');
    expect(codeOf(() => splitByWeights(10n, [1.5]))).toBe('INVALID_WEIGHTS');
    expect(codeOf(() => split(10n, { dspWeights: [-1], levels: [{ betaPpm: 1 }] }))).toBe('INVALID_WEIGHTS');
  });

  it('parts always sum to the amount, non-first parts are the plain floor', () => {
    fc.assert(
      fc.property(total, fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 8 }), (amount, weights) => {
        const parts = splitByWeights(amount, weights);
        expect(sum(parts)).toBe(amount);
        const w = weights.map(BigInt);
        const wsum = sum(w);
        parts.forEach((p, k) => {
          const floor = (amount * (w[k] as bigint)) / wsum;
          if (k > 0) expect(p).toBe(floor);
          else {
            expect(p >= floor).toBe(true);
            expect(p - floor < BigInt(weights.length)).toBe(true);
          }
        });
      }),
    );
  });
});

describe('split: bad input', () => {
  it.each([
    [[0], 'RATIO_OUT_OF_RANGE'],
    [[PPM], 'RATIO_OUT_OF_RANGE'],
    [[0.5], 'RATIO_OUT_OF_RANGE'],
  ])('refuses β list %p', (list, code) => {
    expect(codeOf(() => split(100n, list))).toBe(code);
  });

  it('names the level of a bad β', () => {
    expect(() => split(100n, [500_000, PPM])).toThrow('betas[2] = 1000000 ppm is outside (0, 10^6)');
  });

  it('refuses negative and unsafe totals', () => {
    expect(codeOf(() => split(-1n, [500_000]))).toBe('INVALID_AMOUNT');
    expect(codeOf(() => split(-1, [500_000]))).toBe('INVALID_AMOUNT');
    expect(codeOf(() => split(2 ** 54, [500_000]))).toBe('INVALID_AMOUNT');
  });

  it('refuses ended members the DAO does not have', () => {
    expect(codeOf(() => split(100n, [500_000, 500_000], { ended: [3] }))).toBe('INVALID_MEMBER');
    expect(codeOf(() => split(100n, [500_000], { ended: [0] }))).toBe('INVALID_MEMBER');
  });

  it('allocateLevel accepts β = 10^6 (an ended member) but nothing outside (0, 10^6]', () => {
    expect(allocateLevel(500n, PPM)).toEqual({ share: 0n, rest: 500n });
    expect(codeOf(() => allocateLevel(500n, 0))).toBe('RATIO_OUT_OF_RANGE');
    expect(codeOf(() => allocateLevel(500n, PPM + 1))).toBe('RATIO_OUT_OF_RANGE');
  });
});

describe('split: laws', () => {
  it('payouts sum exactly to the total, and every lump is the level above minus its payout', () => {
    fc.assert(
      fc.property(total, betas(), (t, bs) => {
        const r = split(t, bs);
        expect(r.dsp + sum(r.vsps)).toBe(t);
        const n = bs.length;
        expect(r.lumps[n - 1]).toBe(t);
        for (let i = 1; i < n; i++) expect(r.lumps[i - 1]).toBe((r.lumps[i] as bigint) - (r.vsps[i] as bigint));
        expect(r.dsp).toBe((r.lumps[0] as bigint) - (r.vsps[0] as bigint));
        r.vsps.forEach((v) => expect(v >= 0n).toBe(true));
      }),
    );
  });

  it('organisation payouts sum to their group and to the total', () => {
    const group = fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(total, fc.array(fc.record({ betaPpm: beta, weights: group }), { minLength: 1, maxLength: 6 }), group, (t, levels, dspWeights) => {
        const r = split(t, { levels, dspWeights });
        expect(sum(r.dspMembers)).toBe(r.dsp);
        r.vspMembers.forEach((m, i) => expect(sum(m)).toBe(r.vsps[i]));
        expect(sum(r.dspMembers) + sum(r.vspMembers.flat())).toBe(t);
      }),
    );
  });

  it('a level only needs its own β: J_i follows from L_i and β_i, whatever the other levels say', () => {
    fc.assert(
      fc.property(total, betas(), fc.nat(), beta, (t, bs, pick, other) => {
        const r = split(t, bs);
        bs.forEach((b, i) => {
          const { share, rest } = allocateLevel(r.lumps[i] as bigint, b);
          expect(share).toBe(r.vsps[i]);
          expect(rest).toBe(i === 0 ? r.dsp : r.lumps[i - 1]);
        });
        // Changing β_j leaves the lump L_j and every channel above level j as they were.
        const j = pick % bs.length;
        const changed = bs.slice();
        changed[j] = other;
        const r2 = split(t, changed);
        for (let i = j + 1; i < bs.length; i++) {
          expect(r2.vsps[i]).toBe(r.vsps[i]);
          expect(r2.lumps[i]).toBe(r.lumps[i]);
        }
        expect(r2.lumps[j]).toBe(r.lumps[j]);
      }),
    );
  });

  it('monotonicity: raising β_i never lowers the payout of D or of any J_k below level i', () => {
    fc.assert(
      fc.property(total, betas(), fc.nat(), fc.integer({ min: 1, max: PPM - 2 }), (t, bs, pick, raise) => {
        const i = pick % bs.length;
        const raised = bs.slice();
        raised[i] = Math.min(PPM - 1, (bs[i] as number) + raise);
        const before = split(t, bs);
        const after = split(t, raised);
        expect(after.dsp >= before.dsp).toBe(true);
        for (let k = 0; k < i; k++) expect((after.vsps[k] as bigint) >= (before.vsps[k] as bigint)).toBe(true);
        expect((after.vsps[i] as bigint) <= (before.vsps[i] as bigint)).toBe(true);
      }),
    );
  });

  it('an ended member gets nothing, levels above it are untouched, and the sum stays exact', () => {
    fc.assert(
      fc.property(total, betas(), fc.nat(), (t, bs, pick) => {
        const e = (pick % bs.length) + 1;
        const before = split(t, bs);
        const after = split(t, bs, { ended: [e] });
        expect(after.vsps[e - 1]).toBe(0n);
        expect(after.dsp + sum(after.vsps)).toBe(t);
        for (let i = e; i < bs.length; i++) expect(after.vsps[i]).toBe(before.vsps[i]);
        // Its lump goes down whole, so nobody below it loses.
        expect(after.lumps[e - 2] ?? after.dsp).toBe(after.lumps[e - 1]);
        expect(after.dsp >= before.dsp).toBe(true);
      }),
    );
  });

  it('payouts stay within n units of total × exact ownership (one floor per level)', () => {
    fc.assert(
      fc.property(total, betas(10), (t, bs) => {
        const r = split(t, bs);
        const { denominator, numerators } = ownershipExact(bs);
        const n = BigInt(bs.length);
        [r.dsp, ...r.vsps].forEach((payout, k) => {
          const diff = payout * denominator - t * (numerators[k] as bigint);
          const abs = diff < 0n ? -diff : diff;
          expect(abs <= n * denominator).toBe(true);
        });
      }),
    );
  });
});
