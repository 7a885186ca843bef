import { InvalidMemberError, InvalidWeightsError, RatioOutOfRangeError } from './errors';
import { PPM, PPM_BIG, toAmount } from './ppm';

/** Version i of a DAO as channel CH_i sees it: its own β and the joining group's weights. */
export interface LevelTerms {
  /** β_i in ppm, strictly inside (0, 10^6): the part of L_i that goes down to DAO^(i−1). */
  readonly betaPpm: number;
  /** Integer weights of the organisations in J_i; one organisation when absent. */
  readonly weights?: readonly number[];
}

/** What the split needs: the founding group's weights and every level, β_1 first. */
export interface DaoTerms {
  /** Integer weights of the organisations in D; one organisation when absent. */
  readonly dspWeights?: readonly number[];
  readonly levels: readonly LevelTerms[];
}

export interface SplitOptions {
  /**
   * VSP levels (1-based) whose contract has ended (abandoned or exited). Such a level's β is taken
   * as 10^6 for this revenue: J_i gets nothing and its whole lump goes down to DAO^(i−1).
   */
  readonly ended?: Iterable<number>;
}

export interface SplitResult {
  readonly total: bigint;
  /** L_1…L_n: the lump each channel CH_i allocated; L_n is the total. */
  readonly lumps: readonly bigint[];
  /** D's payout: CH_1's rest. */
  readonly dsp: bigint;
  /** J_1…J_n's payouts. */
  readonly vsps: readonly bigint[];
  /** D's payout per organisation, in the order of `dspWeights`. */
  readonly dspMembers: readonly bigint[];
  /** J_i's payout per organisation, in the order of its weights. */
  readonly vspMembers: readonly (readonly bigint[])[];
}

/**
 * What channel CH_i does with its lump, knowing only its own β: J_i gets
 * floor(L·(10^6 − β)/10^6), the rest goes down. β = 10^6 (an ended member) sends everything down.
 */
export function allocateLevel(lump: bigint, betaPpm: number): { share: bigint; rest: bigint } {
  if (!Number.isInteger(betaPpm) || betaPpm < 1 || betaPpm > PPM) {
    throw new RatioOutOfRangeError('beta', `β = ${betaPpm} ppm is outside (0, 10^6]`);
  }
  const share = (lump * (PPM_BIG - BigInt(betaPpm))) / PPM_BIG; // bigint division floors for L ≥ 0
  return { share, rest: lump - share };
}

/**
 * Splits a group's payout by integer weights with the same floor rule; the remainder (less than
 * the number of members) goes to the first member so that the parts sum to the amount exactly.
 */
export function splitByWeights(amount: bigint, weights: readonly number[], field = 'weights'): bigint[] {
  const big = checkWeights(weights, field);
  if (big.length === 1) return [amount];
  const sum = big.reduce((a, b) => a + b, 0n);
  const parts = big.map((w) => (amount * w) / sum);
  const given = parts.reduce((a, b) => a + b, 0n);
  parts[0] = (parts[0] ?? 0n) + (amount - given);
  return parts;
}

function checkWeights(weights: readonly number[], field: string): bigint[] {
  if (weights.length === 0) throw new InvalidWeightsError(field, `${field} is empty: a group has at least one organisation`);
  return weights.map((w, k) => {
    if (!Number.isSafeInteger(w) || w <= 0) {
      throw new InvalidWeightsError(field, `${field}[${k + 1}] = ${w} is not a positive integer`);
    }
    return BigInt(w);
  });
}

function checkBeta(betaPpm: number, field: string): void {
  if (!Number.isInteger(betaPpm) || betaPpm <= 0 || betaPpm >= PPM) {
    throw new RatioOutOfRangeError(field, `${field} = ${betaPpm} ppm is outside (0, 10^6)`);
  }
}

/** Terms with single-organisation groups from a list of β's in ppm (β_1 first). */
export function termsFromBetas(betasPpm: readonly number[]): DaoTerms {
  return { levels: betasPpm.map((betaPpm) => ({ betaPpm })) };
}

/**
 * Splits one revenue event level by level, as the channels do: L_n = total; CH_i pays J_i and relays
 * the rest as L_{i−1}; CH_1's rest goes to D. Exact integer arithmetic; payouts sum to the total.
 */
export function split(total: bigint | number, terms: DaoTerms | readonly number[], options: SplitOptions = {}): SplitResult {
  const amount = toAmount(total);
  const dao: DaoTerms = isBetaList(terms) ? termsFromBetas(terms) : terms;
  const n = dao.levels.length;
  dao.levels.forEach((level, i) => {
    checkBeta(level.betaPpm, `betas[${i + 1}]`);
    if (level.weights) checkWeights(level.weights, `weights[${i + 1}]`);
  });
  const dspWeights = dao.dspWeights ?? [1];
  checkWeights(dspWeights, 'dspWeights');
  const ended = new Set<number>();
  for (const level of options.ended ?? []) {
    if (!Number.isInteger(level) || level < 1 || level > n) {
      throw new InvalidMemberError('ended', `ended member ${level} is not a VSP level of this DAO (1…${n})`);
    }
    ended.add(level);
  }

  const lumps = new Array<bigint>(n);
  const vsps = new Array<bigint>(n);
  let lump = amount;
  for (let i = n - 1; i >= 0; i--) {
    lumps[i] = lump;
    const level = dao.levels[i] as LevelTerms;
    const { share, rest } = allocateLevel(lump, ended.has(i + 1) ? PPM : level.betaPpm);
    vsps[i] = share;
    lump = rest;
  }
  const vspMembers = dao.levels.map((level, i) => splitByWeights(vsps[i] as bigint, level.weights ?? [1], `weights[${i + 1}]`));
  return { total: amount, lumps, dsp: lump, vsps, dspMembers: splitByWeights(lump, dspWeights, 'dspWeights'), vspMembers };
}

function isBetaList(terms: DaoTerms | readonly number[]): terms is readonly number[] {
  return Array.isArray(terms);
}
