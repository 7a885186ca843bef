import { InvalidArgumentError } from '../errors';
import type { FieldVec } from '../field/vector';
import type { MpcParty } from '../online/party';
import type { DotOperand, Shared } from '../online/shares';
import { DEFAULT_PRECISION, limbsOf, signedOf, type Precision } from './fixed-point';
import { roundShift } from './truncate';

/**
 * The vectorised statistics catalogue. Each function is run by every party on its own shares of
 * fixed-point inputs at the computation's precision and returns the result at the recipients
 * (undefined elsewhere):
 * - 'fxp32', two limbs (encodeFixedLimbs: x ≈ (X_hi·2^f + X_lo)/2^(2f)): first sums exact at scale
 *   2^(2f); each sum of products assembled from three dot products of limbs and two exact rounding
 *   divisions (limbProducts), so it carries 2f fractional bits, rounded once;
 * - 'fxp16', one limb (encodeFixed: x ≈ X/2^f): first sums exact at 2^f, sums of products exact at
 *   2^(2f) (one dot product each, no rounding).
 * Results are opened only to the recipients (behind their masks) after the MAC check, and divided in
 * the clear. What a recipient learns is stated per function.
 */
export interface StatOptions {
  readonly recipients: readonly number[];
  /** f: bits per limb; with two limbs ('fxp32') inputs and results carry 2f fractional bits, with one f. */
  readonly fractionalBits: number;
}

/** A shared fixed-point vector: two limbs ('fxp32'), or `hi` alone ('fxp16', one limb). */
export interface FixedShared {
  readonly hi: Shared;
  readonly lo?: Shared;
}

/**
 * Inputs a fixed-point vector of n values from `owner` at `precision`: the owner passes encodeAt's
 * elements (2n for two limbs, n for one), the others pass n. Limbs out of their ranges only make the
 * owner's own results wrong, as any input it chooses would.
 */
export async function inputFixed(p: MpcParty, owner: number, values: FieldVec | number, precision: Precision = DEFAULT_PRECISION): Promise<FixedShared> {
  const limbs = limbsOf(precision);
  const all = await p.input(owner, typeof values === 'number' ? limbs * values : values);
  if (limbs === 1) return { hi: all };
  const n = all.value.length / 2;
  // Views of the one input (shares are never written to): no copy of 2n values and MACs.
  const half = (start: number): Shared => ({ value: all.value.subarray(start, start + n), mac: all.mac.subarray(start, start + n) });
  return { hi: half(0), lo: half(n) };
}

/** Fractional bits of a first sum (2f with two limbs, f with one); sums of products always carry 2f. */
function sumBits(x: FixedShared, f: number): number {
  return x.lo ? 2 * f : f;
}

function scale(bits: number): number {
  return 2 ** bits;
}

/** Σx, exact and local: at scale 2^(2f) 2^f·ΣX_hi + ΣX_lo (two limbs), at 2^f ΣX (one). */
function fixedSum(p: MpcParty, x: FixedShared, f: number): Shared {
  return x.lo ? p.add(p.mulPublic(p.sum(x.hi), 1n << BigInt(f)), p.sum(x.lo)) : p.sum(x.hi);
}

/**
 * Σ x_i·y_i at scale 2^(2f) for each pair: limbProducts for two limbs; for one limb one dot product
 * per pair, exact (all pairs in one batched opening). Inputs of different precisions are refused.
 */
export async function productSums(p: MpcParty, pairs: ReadonlyArray<readonly [FixedShared, FixedShared]>, f: number): Promise<Shared> {
  const twoLimbs = pairs.map(([x, y]) => [x.lo !== undefined, y.lo !== undefined]).flat();
  if (twoLimbs.some((t) => t !== twoLimbs[0])) throw new InvalidArgumentError('inputs of different precisions in one computation');
  if (twoLimbs[0]) return limbProducts(p, pairs, f);
  return p.dots(pairs.map(([x, y]) => [x.hi, y.hi]));
}

/**
 * Σ x_i·y_i at scale 2^(2f) for each pair, rounded once: with X·Y = 2^(2f)·X_hi·Y_hi + 2^f·(X_hi·Y_lo +
 * X_lo·Y_hi) + X_lo·Y_lo, A = ΣX_hi·Y_hi, C = ΣX_lo·Y_lo and (Karatsuba) M = Σ(X_hi + X_lo)(Y_hi + Y_lo)
 * − A − C: three dot products of n (three triples per element, or square pairs when x is y), then
 * A + round(M/2^f) + round(C/2^(2f)), the two divisions of every pair in one batched roundShift.
 * Each partial sum fits the field (assertLimbRange); only the result is ever opened.
 */
export async function limbProducts(p: MpcParty, pairs: ReadonlyArray<readonly [FixedShared, FixedShared]>, f: number): Promise<Shared> {
  // Every dot product of every pair in one batched opening: [A_j, C_j, B_j] for pair j. The limb sums
  // are formed by dots in its reused scratch, not as fresh vectors here.
  const limbPairs: Array<readonly [DotOperand, DotOperand]> = [];
  for (const [x, y] of pairs) {
    if (!x.lo || !y.lo) throw new InvalidArgumentError('limbProducts takes two-limb inputs');
    const xs = [x.hi, x.lo];
    limbPairs.push([x.hi, y.hi], [x.lo, y.lo], [xs, x === y ? xs : [y.hi, y.lo]]); // x === y: squares
  }
  const d = await p.dots(limbPairs);
  const part = (j: number, k: number) => p.slice(d, 3 * j + k, 3 * j + k + 1);
  const parts = pairs.map((_, j) => ({ a: part(j, 0), c: part(j, 1), m: p.sub(part(j, 2), p.add(part(j, 0), part(j, 1))) }));
  const shifts = parts.flatMap(() => [f, 2 * f]);
  const rounded = await roundShift(p, p.concat(parts.flatMap((q) => [q.m, q.c])), shifts);
  return p.concat(parts.map((q, j) => p.add(q.a, p.add(p.slice(rounded, 2 * j, 2 * j + 1), p.slice(rounded, 2 * j + 1, 2 * j + 2)))));
}

/** Σx. Reveals Σx to the recipients. */
export async function secureSum(p: MpcParty, x: FixedShared, o: StatOptions): Promise<number | undefined> {
  const out = await p.output(fixedSum(p, x, o.fractionalBits), o.recipients);
  return out && Number(signedOf(out[0]!)) / scale(sumBits(x, o.fractionalBits));
}

/** Number of ones in a secret 0/1 indicator vector (e.g. the result of a comparison). */
export async function secureCount(p: MpcParty, indicator: Shared, recipients: readonly number[]): Promise<number | undefined> {
  const out = await p.output(p.sum(indicator), recipients);
  return out && Number(signedOf(out[0]!));
}

/** Mean of n values (n is public). Reveals Σx, equivalent to the mean. */
export async function secureMean(p: MpcParty, x: FixedShared, o: StatOptions): Promise<number | undefined> {
  const s = await secureSum(p, x, o);
  return s === undefined ? undefined : s / x.hi.value.length;
}

export interface VarianceResult {
  readonly n: number;
  readonly mean: number;
  /** Population variance Σ(x − mean)²/n. */
  readonly variance: number;
  /** Sample variance Σ(x − mean)²/(n − 1). */
  readonly sampleVariance: number;
}

/** Mean and variance. Reveals (Σx, Σx²), equivalent to (mean, variance) given n. */
export async function secureVariance(p: MpcParty, x: FixedShared, o: StatOptions): Promise<VarianceResult | undefined> {
  const n = x.hi.value.length;
  if (n < 2) throw new InvalidArgumentError('variance needs at least two values');
  const f = o.fractionalBits;
  const S = sumBits(x, f);
  const sq = await productSums(p, [[x, x]], f);
  const out = await p.output(p.concat([fixedSum(p, x, f), sq]), o.recipients);
  if (!out) return undefined;
  const s1 = signedOf(out[0]!); // Σx·2^S, exact
  const s2 = signedOf(out[1]!); // Σx²·2^(2f) (two limbs: rounded once; one limb: exact)
  const centred = BigInt(n) * (s2 << BigInt(2 * S - 2 * f)) - s1 * s1; // n²·2^(2S)·variance, no cancellation in floats
  const variance = Number(centred) / (n * n * scale(2 * S));
  return { n, mean: Number(s1) / scale(S) / n, variance, sampleVariance: (variance * n) / (n - 1) };
}

export interface CovarianceResult {
  readonly n: number;
  readonly meanX: number;
  readonly meanY: number;
  /** Population covariance Σ(x − x̄)(y − ȳ)/n. */
  readonly covariance: number;
}

/** Covariance. Reveals (Σx, Σy, Σxy): the means and the covariance. */
export async function secureCovariance(p: MpcParty, x: FixedShared, y: FixedShared, o: StatOptions): Promise<CovarianceResult | undefined> {
  const n = x.hi.value.length;
  const f = o.fractionalBits;
  const S = sumBits(x, f);
  const xy = await productSums(p, [[x, y]], f);
  const out = await p.output(p.concat([fixedSum(p, x, f), fixedSum(p, y, f), xy]), o.recipients);
  if (!out) return undefined;
  const [sx, sy, sxy] = [signedOf(out[0]!), signedOf(out[1]!), signedOf(out[2]!)];
  const s = scale(S);
  const centred = BigInt(n) * (sxy << BigInt(2 * S - 2 * f)) - sx * sy;
  return { n, meanX: Number(sx) / s / n, meanY: Number(sy) / s / n, covariance: Number(centred) / (n * n * scale(2 * S)) };
}

/** Σ x_i·y_i. Reveals only the dot product. */
export async function secureDotProduct(p: MpcParty, x: FixedShared, y: FixedShared, o: StatOptions): Promise<number | undefined> {
  const xy = await productSums(p, [[x, y]], o.fractionalBits);
  const out = await p.output(xy, o.recipients);
  return out && Number(signedOf(out[0]!)) / scale(2 * o.fractionalBits);
}

export interface RegressionResult {
  readonly n: number;
  /** Intercept first, then one coefficient per feature. */
  readonly coefficients: number[];
  /** Coefficient of determination R². */
  readonly r2: number;
}

/**
 * Ordinary least squares y ≈ β0 + Σ β_j x_j. The parties compute the sufficient statistics (Σx_j,
 * Σy, Σx_j·x_k, Σx_j·y, Σy²) with limbProducts (one batch over every pair) and open them to the recipients only,
 * who solve the normal equations in the clear. Reveals those statistics (means, covariances), more
 * than the coefficients alone; a secure solve is listed as not yet implemented in docs/mpc.md.
 */
export async function secureLinearRegression(
  p: MpcParty,
  features: readonly FixedShared[],
  y: FixedShared,
  o: StatOptions,
): Promise<RegressionResult | undefined> {
  const d = features.length;
  const n = y.hi.value.length;
  if (d === 0 || n <= d + 1) throw new InvalidArgumentError('regression needs at least one feature and more rows than coefficients');
  const cols = [...features, y];
  const S = sumBits(y, o.fractionalBits);
  const lift = BigInt(2 * S - 2 * o.fractionalBits); // cross products carry 2f fractional bits, sums S
  const pairs: Array<readonly [FixedShared, FixedShared]> = [];
  for (let j = 0; j <= d; j++) for (let k = j; k <= d; k++) pairs.push([cols[j]!, cols[k]!]);
  const products = await productSums(p, pairs, o.fractionalBits);
  const out = await p.output(p.concat([...cols.map((c) => fixedSum(p, c, o.fractionalBits)), products]), o.recipients);
  if (!out) return undefined;
  const v = Array.from(out, (a) => signedOf(a));
  const s = (j: number) => v[j]!; // Σ col_j
  const cross = new Map<string, bigint>();
  let idx = d + 1;
  for (let j = 0; j <= d; j++) for (let k = j; k <= d; k++) cross.set(`${j},${k}`, v[idx++]!);
  const N = BigInt(n);
  // Centred cross products in integers: C_jk = n·Σx_j x_k − Σx_j·Σx_k (scale n·2^(2S)).
  const C = (j: number, k: number) => N * (cross.get(`${Math.min(j, k)},${Math.max(j, k)}`)! << lift) - s(j) * s(k);
  const A = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => Number(C(j, k))));
  const b = Array.from({ length: d }, (_, j) => Number(C(j, d)));
  const beta = solve(A, b);
  const f = scale(S);
  const intercept = (Number(s(d)) / f - beta.reduce((acc, bj, j) => acc + (bj * Number(s(j))) / f, 0)) / n;
  const syy = Number(C(d, d));
  const explained = beta.reduce((acc, bj, j) => acc + bj * b[j]!, 0);
  return { n, coefficients: [intercept, ...beta], r2: syy === 0 ? 1 : explained / syy };
}

/** Gaussian elimination with partial pivoting (d is small: the number of features). */
function solve(A: number[][], b: number[]): number[] {
  const d = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    if (M[piv]![c] === 0) throw new InvalidArgumentError('the features are linearly dependent (singular normal equations)');
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const k = M[r]![c]! / M[c]![c]!;
      for (let j = c; j <= d; j++) M[r]![j] = M[r]![j]! - k * M[c]![j]!;
    }
  }
  return M.map((row, i) => row[d]! / row[i]!);
}
