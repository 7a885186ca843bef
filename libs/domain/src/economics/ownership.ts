import { InvalidMemberError, InvalidShareError, RatioOutOfRangeError, ShareNotRepresentableError } from './errors';
import { PPM, PPM_BIG } from './ppm';

export interface OwnershipOptions {
  /** VSP levels (1-based) whose contract has ended: their β counts as 10^6, their share as 0. */
  readonly ended?: Iterable<number>;
}

/**
 * Ownership as exact fractions over one common denominator 10^(6n): entry 0 is the DSP group,
 * entry i is VSP_i's group. The numerators sum to the denominator exactly.
 */
export interface ExactOwnership {
  readonly denominator: bigint;
  readonly numerators: readonly bigint[];
}

function effectiveBetas(betasPpm: readonly number[], options: OwnershipOptions): number[] {
  const n = betasPpm.length;
  const betas = betasPpm.map((b, i) => {
    if (!Number.isInteger(b) || b <= 0 || b >= PPM) {
      throw new RatioOutOfRangeError(`betas[${i + 1}]`, `betas[${i + 1}] = ${b} ppm is outside (0, 10^6)`);
    }
    return b;
  });
  for (const level of options.ended ?? []) {
    if (!Number.isInteger(level) || level < 1 || level > n) {
      throw new InvalidMemberError('ended', `ended member ${level} is not a VSP level of this DAO (1…${n})`);
    }
    betas[level - 1] = PPM;
  }
  return betas;
}

/**
 * Each member's fraction of total profit, from formulas (2) and (3) of the second paper with
 * π[DAO^(n)] = 1: π[DAO^(i)] = ∏_{k>i} β_k, π[VSP_i] = (1 − β_i)·π[DAO^(i)], and the DSP gets
 * π[DAO^(1)]·β_1. Floating point, for display and simulation; see `ownershipExact` for the exact form.
 * Returns [DSP, VSP_1, …, VSP_n].
 */
export function ownership(betasPpm: readonly number[], options: OwnershipOptions = {}): number[] {
  const betas = effectiveBetas(betasPpm, options);
  const n = betas.length;
  const out = new Array<number>(n + 1);
  let dao = 1;
  for (let i = n; i >= 1; i--) {
    const beta = (betas[i - 1] as number) / PPM;
    out[i] = (1 - beta) * dao;
    dao *= beta;
  }
  out[0] = dao;
  return out;
}

/**
 * The same fractions exactly: numerator_0 = ∏ β_k and numerator_i = (10^6 − β_i)·∏_{k>i} β_k·10^(6(i−1)),
 * all over 10^(6n). The numbers grow with n (about 6n digits each), so keep this for audit-sized DAOs.
 */
export function ownershipExact(betasPpm: readonly number[], options: OwnershipOptions = {}): ExactOwnership {
  const betas = effectiveBetas(betasPpm, options);
  const n = betas.length;
  const numerators = new Array<bigint>(n + 1);
  let suffix = 1n; // ∏_{k>i} β_k
  let scale = n === 0 ? 1n : PPM_BIG ** BigInt(n - 1); // 10^(6(i−1)), divided down as i falls
  for (let i = n; i >= 1; i--) {
    const beta = BigInt(betas[i - 1] as number);
    numerators[i] = (PPM_BIG - beta) * suffix * scale;
    suffix *= beta;
    if (i > 1) scale /= PPM_BIG;
  }
  numerators[0] = suffix;
  return { denominator: PPM_BIG ** BigInt(n), numerators };
}

/**
 * β's (in ppm, β_1 first) that give a target ownership vector s_D, s_1…s_n: the inverse of
 * `ownership`, β_i = 1 − s_i / (s_D + Σ_{j≤i} s_j) = P_{i−1}/P_i with P_i = s_D + s_1 + … + s_i.
 * Only the ratios of the shares matter, so any common unit works: ppm, exact numerators from
 * `ownershipExact` (bigint or safe integers, computed exactly) or fractions (floating point).
 * Rounding: to the nearest ppm, halves rounded up, so the round trip from ppm β's is exact.
 * Every share must be positive; a share too small to give β below 10^6 is refused.
 */
export function betasFor(shares: readonly bigint[] | readonly number[]): number[] {
  if (shares.length < 2) {
    throw new InvalidShareError('shares', 'shares need the DSP and at least one VSP');
  }
  const exact = shares.every((s) => typeof s === 'bigint' || Number.isSafeInteger(s));
  shares.forEach((s, i) => {
    const ok = typeof s === 'bigint' ? s > 0n : Number.isFinite(s) && s > 0;
    if (!ok) throw new InvalidShareError(`shares[${shareLabel(i)}]`, `shares[${shareLabel(i)}] = ${s} is not a positive number`);
  });
  const betas = exact ? exactBetas(shares.map((s) => BigInt(s))) : floatBetas(shares as readonly number[]);
  betas.forEach((b, i) => {
    const field = `shares[${i + 1}]`;
    if (b >= PPM) {
      throw new ShareNotRepresentableError(field, `${field} is too small next to DAO^(${i + 1}): β_${i + 1} would round to 1`);
    }
    if (b <= 0) {
      throw new ShareNotRepresentableError(field, `${field} is too large next to DAO^(${i}): β_${i + 1} would round to 0`);
    }
  });
  return betas;
}

function shareLabel(i: number): string {
  return i === 0 ? 'DSP' : String(i);
}

function exactBetas(shares: readonly bigint[]): number[] {
  const out: number[] = [];
  let prefix = shares[0] as bigint;
  for (let i = 1; i < shares.length; i++) {
    const next = prefix + (shares[i] as bigint);
    // round(10^6·P_{i−1}/P_i), halves up: floor((2·10^6·P_{i−1} + P_i) / (2·P_i))
    out.push(Number((2n * PPM_BIG * prefix + next) / (2n * next)));
    prefix = next;
  }
  return out;
}

function floatBetas(shares: readonly number[]): number[] {
  const out: number[] = [];
  let prefix = shares[0] as number;
  for (let i = 1; i < shares.length; i++) {
    const next = prefix + (shares[i] as number);
    out.push(Math.floor((PPM * prefix) / next + 0.5));
    prefix = next;
  }
  return out;
}
