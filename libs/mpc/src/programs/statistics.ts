import { InvalidArgumentError } from '../errors';
import type { MpcParty } from '../online/party';
import type { Shared } from '../online/shares';
import { signedOf } from './fixed-point';

/**
 * The vectorised statistics catalogue. Each function is run by every party on its own shares of
 * fixed-point inputs (scale 2^f) and returns the result at the recipients (undefined elsewhere).
 * Moments are computed as exact integer sums in the field with one batched multiplication, then
 * opened only to the recipients (behind their masks) after the MAC check, and divided in the clear.
 * What a recipient learns is stated per function.
 */
export interface StatOptions {
  readonly recipients: readonly number[];
  readonly fractionalBits: number;
}

function scale(bits: number): number {
  return 2 ** bits;
}

/** Σx. Reveals Σx to the recipients. */
export async function secureSum(p: MpcParty, x: Shared, o: StatOptions): Promise<number | undefined> {
  const out = await p.output(p.sum(x), o.recipients);
  return out && Number(signedOf(out[0]!)) / scale(o.fractionalBits);
}

/** Number of ones in a secret 0/1 indicator vector (e.g. the result of a comparison). */
export async function secureCount(p: MpcParty, indicator: Shared, recipients: readonly number[]): Promise<number | undefined> {
  const out = await p.output(p.sum(indicator), recipients);
  return out && Number(signedOf(out[0]!));
}

/** Mean of n values (n is public). Reveals Σx, equivalent to the mean. */
export async function secureMean(p: MpcParty, x: Shared, o: StatOptions): Promise<number | undefined> {
  const s = await secureSum(p, x, o);
  return s === undefined ? undefined : s / x.value.length;
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
export async function secureVariance(p: MpcParty, x: Shared, o: StatOptions): Promise<VarianceResult | undefined> {
  const n = x.value.length;
  if (n < 2) throw new InvalidArgumentError('variance needs at least two values');
  const sq = await p.dot(x, x);
  const out = await p.output(p.concat([p.sum(x), sq]), o.recipients);
  if (!out) return undefined;
  const s1 = signedOf(out[0]!);
  const s2 = signedOf(out[1]!);
  const N = BigInt(n);
  const centred = N * s2 - s1 * s1; // exact: n²·2^2f·variance
  const f2 = scale(2 * o.fractionalBits);
  const variance = Number(centred) / (n * n * f2);
  return { n, mean: Number(s1) / scale(o.fractionalBits) / n, variance, sampleVariance: (variance * n) / (n - 1) };
}

export interface CovarianceResult {
  readonly n: number;
  readonly meanX: number;
  readonly meanY: number;
  /** Population covariance Σ(x − x̄)(y − ȳ)/n. */
  readonly covariance: number;
}

/** Covariance. Reveals (Σx, Σy, Σxy): the means and the covariance. */
export async function secureCovariance(p: MpcParty, x: Shared, y: Shared, o: StatOptions): Promise<CovarianceResult | undefined> {
  const n = x.value.length;
  const xy = await p.dot(x, y);
  const out = await p.output(p.concat([p.sum(x), p.sum(y), xy]), o.recipients);
  if (!out) return undefined;
  const [sx, sy, sxy] = [signedOf(out[0]!), signedOf(out[1]!), signedOf(out[2]!)];
  const N = BigInt(n);
  const f = scale(o.fractionalBits);
  return { n, meanX: Number(sx) / f / n, meanY: Number(sy) / f / n, covariance: Number(N * sxy - sx * sy) / (n * n * f * f) };
}

/** Σ x_i·y_i. Reveals only the dot product. */
export async function secureDotProduct(p: MpcParty, x: Shared, y: Shared, o: StatOptions): Promise<number | undefined> {
  const xy = await p.dot(x, y);
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
 * Σy, Σx_j·x_k, Σx_j·y, Σy²) with one dot product per pair and open them to the recipients only,
 * who solve the normal equations in the clear. Reveals those statistics (means, covariances), more
 * than the coefficients alone; a secure solve is listed as not yet implemented in docs/mpc.md.
 */
export async function secureLinearRegression(
  p: MpcParty,
  features: readonly Shared[],
  y: Shared,
  o: StatOptions,
): Promise<RegressionResult | undefined> {
  const d = features.length;
  const n = y.value.length;
  if (d === 0 || n <= d + 1) throw new InvalidArgumentError('regression needs at least one feature and more rows than coefficients');
  const cols = [...features, y];
  const sums: Shared[] = cols.map((c) => p.sum(c));
  // One dot product per pair (squares use square pairs when the preprocessing has them).
  for (let j = 0; j <= d; j++) for (let k = j; k <= d; k++) sums.push(await p.dot(cols[j]!, cols[k]!));
  const out = await p.output(p.concat(sums), o.recipients);
  if (!out) return undefined;
  const v = Array.from(out, (a) => signedOf(a));
  const s = (j: number) => v[j]!; // Σ col_j
  const cross = new Map<string, bigint>();
  let idx = d + 1;
  for (let j = 0; j <= d; j++) for (let k = j; k <= d; k++) cross.set(`${j},${k}`, v[idx++]!);
  const N = BigInt(n);
  // Centred cross products, exact in integers: C_jk = n·Σx_j x_k − Σx_j·Σx_k (scale n·2^2f).
  const C = (j: number, k: number) => N * cross.get(`${Math.min(j, k)},${Math.max(j, k)}`)! - s(j) * s(k);
  const A = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => Number(C(j, k))));
  const b = Array.from({ length: d }, (_, j) => Number(C(j, d)));
  const beta = solve(A, b);
  const f = scale(o.fractionalBits);
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
