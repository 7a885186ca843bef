import { EconomicsError } from './errors';
import {
  DEFAULT_PARETO_ALPHA,
  type SimulationResult,
  gini,
  ownershipGrowth,
  simulate,
  trialOwnership,
  uniformThreshold,
} from './simulate';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EconomicsError) return err.code;
    throw err;
  }
  throw new Error('expected an EconomicsError');
}

/** Formulas (2) and (3) written out naively: π[VSP_i] = (1 − β_i)·∏_{k>i} β_k, DSP = ∏ β_k. */
function naiveOwnership(betas: ArrayLike<number>): number[] {
  const n = betas.length;
  const product = (from: number) => {
    let p = 1;
    for (let k = from; k < n; k++) p *= betas[k] as number;
    return p;
  };
  return [product(0), ...Array.from({ length: n }, (_, i) => (1 - (betas[i] as number)) * product(i + 1))];
}

function rows(result: SimulationResult): Float64Array[] {
  return Array.from({ length: result.trials }, (_, k) => trialOwnership(result, k));
}

describe('gini', () => {
  it('is 0 for equal shares, (m−1)/m for one owner, and matches Σ|x_i − x_j| / (2·m·Σx)', () => {
    expect(gini([0.25, 0.25, 0.25, 0.25])).toBe(0);
    expect(gini([1, 0, 0, 0])).toBeCloseTo(0.75, 14);
    // Ordered pairs of {1, 2, 3}: 2·(1 + 2 + 1) = 8; 8 / (2·3·6) = 2/9.
    expect(gini([3, 1, 2])).toBeCloseTo(2 / 9, 14);
  });
});

describe('simulate: uniform', () => {
  const params = { mode: 'uniform', vsps: 7, lowPpm: 700_000, highPpm: 990_000, trials: 2000, seed: 1 } as const;

  it('is reproducible from its seed', () => {
    const a = simulate(params);
    const b = simulate(params);
    const c = simulate({ ...params, seed: 2 });
    expect(b.ownerships).toEqual(a.ownerships);
    expect(b.meanOwnership).toEqual(a.meanOwnership);
    expect(c.ownerships).not.toEqual(a.ownerships);
  });

  it('draws β in [low, high], sorted ascending, and each trial follows formulas (2) and (3)', () => {
    const r = simulate(params);
    let minBeta = 1;
    let maxBeta = 0;
    let unsorted = 0;
    let worst = 0;
    for (let k = 0; k < r.trials; k++) {
      const betas = Array.from(r.betas.subarray(k * 7, (k + 1) * 7));
      betas.forEach((b, i) => {
        minBeta = Math.min(minBeta, b);
        maxBeta = Math.max(maxBeta, b);
        if (i > 0 && b < (betas[i - 1] as number)) unsorted++;
      });
      const own = trialOwnership(r, k);
      naiveOwnership(betas).forEach((x, i) => (worst = Math.max(worst, Math.abs((own[i] as number) - x))));
    }
    expect(minBeta).toBeGreaterThanOrEqual(0.7);
    expect(maxBeta).toBeLessThanOrEqual(0.99);
    expect(unsorted).toBe(0);
    expect(worst).toBeLessThan(1e-12);
  });

  it('summarises its own trials: mean, probability that the DSP is on top, mean Gini', () => {
    const r = simulate(params);
    const all = rows(r);
    const mean = Array.from({ length: 8 }, (_, i) => all.reduce((a, row) => a + (row[i] as number), 0) / r.trials);
    mean.forEach((x, i) => expect(r.meanOwnership[i]).toBeCloseTo(x, 12));
    expect(r.meanOwnership.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const top = all.filter((row) => row.every((x, i) => i === 0 || x < (row[0] as number))).length;
    expect(r.dspTopProbability).toBe(top / r.trials);
    expect(r.gini).toBeCloseTo(all.reduce((a, row) => a + gini(row), 0) / r.trials, 12);
  });

  // n = 1: β_1 ~ U[0.6, 0.9], so the DSP owns (0.6 + 0.9)/2 = 0.75 on average and always beats VSP_1.
  it('one VSP: the DSP owns E[β_1] = (low + high)/2', () => {
    const r = simulate({ mode: 'uniform', vsps: 1, lowPpm: 600_000, highPpm: 900_000, trials: 100_000, seed: 3 });
    expect(Math.abs((r.meanOwnership[0] as number) - 0.75)).toBeLessThan(0.002);
    expect(r.dspTopProbability).toBe(1);
  });

  // n = 2, β ≈ U(0, 1) sorted: β_1 = min, β_2 = max of two uniforms. E[DSP] = E[u_1·u_2] = 1/4,
  // E[VSP_2] = 1 − E[max] = 1/3, E[VSP_1] = 5/12. DSP on top ⟺ u_1 > 1/2 and u_2·(1 + u_1) > 1:
  // P = 2·[(φ' − 1/2) − ln(2(1 + φ')/3) + (1 − φ')²/2] with φ' = (√5 − 1)/2, about 0.2305.
  it('two VSPs over (0, 1): means and P(DSP on top) match the integrals', () => {
    const r = simulate({ mode: 'uniform', vsps: 2, lowPpm: 1, highPpm: 999_999, trials: 200_000, seed: 11 });
    [1 / 4, 5 / 12, 1 / 3].forEach((x, i) => expect(Math.abs((r.meanOwnership[i] as number) - x)).toBeLessThan(0.003));
    const phi = (Math.sqrt(5) - 1) / 2;
    const p = 2 * (phi - 0.5 - Math.log((2 * (1 + phi)) / 3) + (1 - phi) ** 2 / 2);
    expect(Math.abs(r.dspTopProbability - p)).toBeLessThan(0.005);
  });

  // low = high = 0.9 with 3 VSPs: shares 0.729, 0.081, 0.09, 0.1 in every trial.
  it('a degenerate interval gives the deterministic ownership, and Gini by hand', () => {
    const r = simulate({ mode: 'uniform', vsps: 3, lowPpm: 900_000, highPpm: 900_000, trials: 10, seed: 5 });
    [0.729, 0.081, 0.09, 0.1].forEach((x, i) => expect(r.meanOwnership[i]).toBeCloseTo(x, 12));
    // Sorted 0.081, 0.09, 0.1, 0.729: Σ_{i<j}|x_i − x_j| = 0.009 + 0.019 + 0.648 + 0.01 + 0.639 + 0.629 = 1.954;
    // Gini = 1.954 / (m·Σx) = 1.954 / 4.
    expect(r.gini).toBeCloseTo(1.954 / 4, 12);
    expect(r.dspTopProbability).toBe(1);
  });
});

describe('simulate: pareto', () => {
  const params = { mode: 'pareto', vsps: 7, trials: 5000, seed: 1 } as const;

  it('uses α = log 5 / log 4 by default', () => {
    expect(DEFAULT_PARETO_ALPHA).toBeCloseTo(1.160964, 6);
    expect(simulate(params).params).toEqual({ ...params, alpha: Math.log(5) / Math.log(4) });
  });

  it('gives the largest share to the DSP, then VSP_1, …: shares are sorted descending', () => {
    const r = simulate(params);
    let unsorted = 0;
    let worstSum = 0;
    for (const row of rows(r)) {
      for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[i - 1] as number)) unsorted++;
      worstSum = Math.max(worstSum, Math.abs(row.reduce((a, b) => a + b, 0) - 1));
    }
    expect(unsorted).toBe(0);
    expect(worstSum).toBeLessThan(1e-12);
    expect(r.dspTopProbability).toBe(1);
  });

  it('its β are the inversion β_i = P_{i−1}/P_i of the trial shares', () => {
    const r = simulate(params);
    for (let k = 0; k < 100; k++) {
      const own = trialOwnership(r, k);
      let prefix = own[0] as number;
      for (let i = 1; i <= 7; i++) {
        const next = prefix + (own[i] as number);
        expect(r.betas[k * 7 + i - 1]).toBeCloseTo(prefix / next, 12);
        prefix = next;
      }
    }
  });

  it('α sets the inequality: a huge α gives near-equal shares, a small α a dominant DSP', () => {
    const flat = simulate({ ...params, alpha: 1e9 });
    flat.meanOwnership.forEach((x) => expect(Math.abs(x - 1 / 8)).toBeLessThan(1e-6));
    expect(flat.gini).toBeLessThan(1e-6);
    const steep = simulate({ ...params, alpha: 0.2 });
    expect(steep.meanOwnership[0]).toBeGreaterThan(0.8);
    expect(steep.gini).toBeGreaterThan(simulate(params).gini);
  });
});

describe('ownershipGrowth', () => {
  // β = 0.9 at every level: version 1 is 0.9/0.1, version 2 0.81/0.09/0.1, version 3 0.729/0.081/0.09/0.1.
  it('shows each version of the DAO in turn', () => {
    const r = simulate({ mode: 'uniform', vsps: 3, lowPpm: 900_000, highPpm: 900_000, trials: 4, seed: 1 });
    const growth = ownershipGrowth(r);
    const expected = [
      [0.9, 0.1],
      [0.81, 0.09, 0.1],
      [0.729, 0.081, 0.09, 0.1],
    ];
    expect(growth.map((row) => row.length)).toEqual([2, 3, 4]);
    growth.forEach((row, v) => row.forEach((x, i) => expect(x).toBeCloseTo(expected[v]?.[i] as number, 12)));
  });

  it('ends at the full DAO, and every version sums to 1', () => {
    const r = simulate({ mode: 'pareto', vsps: 5, trials: 3000, seed: 9 });
    const growth = ownershipGrowth(r);
    growth.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12));
    growth[4]?.forEach((x, i) => expect(x).toBeCloseTo(r.meanOwnership[i] as number, 12));
    // Pareto: the DSP's share only falls as VSPs join (each join scales it by β < 1).
    for (let v = 1; v < growth.length; v++) expect(growth[v]?.[0] as number).toBeLessThan(growth[v - 1]?.[0] as number);
  });
});

describe('uniformThreshold', () => {
  // One VSP: the DSP is on top iff β_1 > 1/2, P = (high − 1/2)/(high − low) for low < 1/2.
  // With high = 0.99 and target 0.9: 0.49/(0.99 − low) ≥ 0.9 ⟺ low ≥ 0.4456 → 0.45 on the grid
  // (P = 0.907 there, 0.891 at 0.44). Target 1 needs low ≥ 1/2.
  it('one VSP: matches the closed form', () => {
    const base = { vsps: 1, highPpm: 990_000, trials: 50_000, seed: 4 };
    expect(uniformThreshold({ ...base, targetPpm: 900_000 }).lowPpm).toBe(450_000);
    expect(uniformThreshold({ ...base, targetPpm: 1_000_000 }).lowPpm).toBe(500_000);
  });

  it('agrees with simulate at the answer, and one step lower misses the target', () => {
    const base = { vsps: 7, highPpm: 990_000, trials: 20_000, seed: 1 };
    const t = uniformThreshold({ ...base, targetPpm: 950_000 });
    expect(t.lowPpm).not.toBeNull();
    const low = t.lowPpm as number;
    const at = simulate({ mode: 'uniform', vsps: 7, lowPpm: low, highPpm: 990_000, trials: 20_000, seed: 1 });
    expect(at.dspTopProbability).toBe(t.dspTopProbability);
    expect(at.dspTopProbability).toBeGreaterThanOrEqual(0.95);
    const below = simulate({ mode: 'uniform', vsps: 7, lowPpm: low - 10_000, highPpm: 990_000, trials: 20_000, seed: 1 });
    expect(below.dspTopProbability).toBeLessThan(0.95);
  });

  // The paper: with 7 VSPs every β_i should be at least about 70% to keep the data owner on top.
  it('answers the paper\'s question near 70% for 7 VSPs', () => {
    const t = uniformThreshold({ vsps: 7, highPpm: 990_000, trials: 20_000, seed: 1, targetPpm: 950_000 });
    expect(t.lowPpm).toBeGreaterThanOrEqual(650_000);
    expect(t.lowPpm).toBeLessThanOrEqual(750_000);
  });

  it('returns null when even low = high misses the target', () => {
    // high = 0.3 and 3 VSPs: DSP 0.027 against VSP_3 0.7.
    const t = uniformThreshold({ vsps: 3, highPpm: 300_000, trials: 1000, seed: 1, targetPpm: 500_000 });
    expect(t.lowPpm).toBeNull();
    expect(t.dspTopProbability).toBe(0);
  });
});

describe('simulation parameters', () => {
  it.each([
    [{ mode: 'uniform', vsps: 0, lowPpm: 1, highPpm: 2, trials: 1, seed: 1 }, 'INVALID_PARAMETER'],
    [{ mode: 'uniform', vsps: 1, lowPpm: 1, highPpm: 2, trials: 0, seed: 1 }, 'INVALID_PARAMETER'],
    [{ mode: 'uniform', vsps: 1, lowPpm: 5, highPpm: 2, trials: 1, seed: 1 }, 'INVALID_PARAMETER'],
    [{ mode: 'uniform', vsps: 1, lowPpm: 0, highPpm: 2, trials: 1, seed: 1 }, 'RATIO_OUT_OF_RANGE'],
    [{ mode: 'uniform', vsps: 1, lowPpm: 1, highPpm: 1_000_000, trials: 1, seed: 1 }, 'RATIO_OUT_OF_RANGE'],
    [{ mode: 'pareto', vsps: 1, alpha: 0, trials: 1, seed: 1 }, 'INVALID_PARAMETER'],
    [{ mode: 'pareto', vsps: 1, trials: 1, seed: -1 }, 'INVALID_PARAMETER'],
    [{ mode: 'pareto', vsps: 1000, trials: 1_000_000, seed: 1 }, 'INVALID_PARAMETER'],
  ] as const)('refuses %p', (params, code) => {
    expect(codeOf(() => simulate(params))).toBe(code);
  });

  it('refuses a target outside (0, 1]', () => {
    expect(codeOf(() => uniformThreshold({ vsps: 1, highPpm: 990_000, trials: 1, seed: 1, targetPpm: 0 }))).toBe('RATIO_OUT_OF_RANGE');
  });
});
