import { InvalidParameterError } from './errors';
import { DEFAULT_PARETO_ALPHA } from './simulate';

/**
 * The β advisor of the second paper (Section VI, "Selecting values according to Pareto Principle"):
 * a DAO's ownership by level — the DSP's group D first, then J1, J2, … in the order they joined —
 * follows a Pareto (rank-size) curve s_k = C · k^(−γ), k = 1 … m, with γ = 1/α. For a joining group
 * the advisor fits that curve to the DAO's current shares and proposes the β that puts the joiner on
 * it. Formulas (2) and (3) give what a β does: every earlier share is multiplied by β and the joiners
 * get 1 − β. The joiner sits on the curve fitted to the current shares, scaled by β like everyone,
 * when 1 − β = β · f(m+1), i.e.
 *
 *     β = 1 / (1 + f(m+1)),  f(m+1) = C · (m+1)^(−γ),
 *
 * with C and γ the least-squares fit of ln s_k = ln C − γ · ln k on the current shares (normalised to
 * sum 1). For shares exactly on a curve (e.g. 0.8, 0.2: γ = 2, C = 0.8) the result is exact: f(3) =
 * 0.8/9, β = 9/9.8, and the new vector 36/49, 9/49, 4/49 is again 1 : 1/4 : 1/9.
 *
 * Floating point (this is advice; the agreement itself is in integer ppm).
 */

export interface ParetoFit {
  /** γ of s_k = C · k^(−γ); 1/α. */
  readonly exponent: number;
  /** α = 1/γ, the Pareto shape. */
  readonly alpha: number;
  /** C of s_k = C · k^(−γ), on shares normalised to sum 1. */
  readonly scale: number;
  /**
   * `fitted`: γ from the least-squares fit; `default`: the shares do not decrease with the level
   * (the fit's γ ≤ 0, no Pareto curve through them), so γ = 1/DEFAULT_PARETO_ALPHA (the 80/20 shape)
   * and C is fitted with that γ.
   */
  readonly source: 'fitted' | 'default';
  /** R² of the fit in log–log space (1 when the shares are exactly on a curve; null for two points or constant shares). */
  readonly rSquared: number | null;
}

export interface ParetoJoinAdvice {
  readonly fit: ParetoFit;
  /** The curve's value at the joiner's rank m+1, relative to the current shares (summing to 1). */
  readonly joinerCurveShare: number;
  /** β = 1 / (1 + f(m+1)). */
  readonly beta: number;
  /** The shares after the join with that β: β · s_1 … β · s_m, 1 − β. */
  readonly shares: readonly number[];
}

/** Shares by level (D first), normalised to sum 1; every share must be positive and finite. */
function normalised(shares: readonly number[]): number[] {
  if (shares.length < 2) throw new InvalidParameterError('shares', `a DAO has at least two groups (D and J1); got ${shares.length} share(s)`);
  for (const [k, s] of shares.entries()) {
    if (!(Number.isFinite(s) && s > 0)) throw new InvalidParameterError('shares', `the share of level ${k} is ${s}; every group's share must be positive`);
  }
  const total = shares.reduce((a, b) => a + b, 0);
  return shares.map((s) => s / total);
}

/** Least-squares fit of ln s_k = ln C − γ ln k over k = 1 … m (see the module comment). */
export function fitParetoCurve(shares: readonly number[]): ParetoFit {
  const s = normalised(shares);
  const m = s.length;
  const x = s.map((_, k) => Math.log(k + 1));
  const y = s.map((v) => Math.log(v));
  const xMean = x.reduce((a, b) => a + b, 0) / m;
  const yMean = y.reduce((a, b) => a + b, 0) / m;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < m; k++) {
    const dx = (x[k] as number) - xMean;
    const dy = (y[k] as number) - yMean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  if (slope < 0) {
    const exponent = -slope;
    const rSquared = m > 2 && syy > 0 ? (sxy * sxy) / (sxx * syy) : null;
    return { exponent, alpha: 1 / exponent, scale: Math.exp(yMean + exponent * xMean), source: 'fitted', rSquared };
  }
  const exponent = 1 / DEFAULT_PARETO_ALPHA;
  return { exponent, alpha: DEFAULT_PARETO_ALPHA, scale: Math.exp(yMean + exponent * xMean), source: 'default', rSquared: null };
}

/** The curve's value at rank k (1-based). */
export const paretoCurveAt = (fit: ParetoFit, k: number): number => fit.scale * Math.pow(k, -fit.exponent);

/** β for a group joining a DAO whose current shares by level (D first) are `shares` (see the module comment). */
export function paretoJoinBeta(shares: readonly number[]): ParetoJoinAdvice {
  const s = normalised(shares);
  const fit = fitParetoCurve(s);
  const joinerCurveShare = paretoCurveAt(fit, s.length + 1);
  const beta = 1 / (1 + joinerCurveShare);
  return { fit, joinerCurveShare, beta, shares: [...s.map((v) => v * beta), 1 - beta] };
}
