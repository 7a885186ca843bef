import { FixedPointOverflowError, InvalidArgumentError } from '../errors';
import type { FieldVec } from '../field/vector';
import { P, decodeSigned } from '../field/reference';

/**
 * Fixed-point encoding: a real x is the field element round(x·2^f) (negatives as p − |·|).
 * Quantisation error is at most 2^-(f+1) per input. Products carry scale 2^2f; the statistics here
 * never truncate inside the protocol, they open exact integer sums and divide in the clear, so the
 * only loss is the input quantisation (plus float64 rounding of the final division).
 *
 * Range: every opened integer must stay below 2^60 in magnitude (half of p = 2^61 − 1), so for
 * second moments n·max|x|²·2^2f < 2^60 (see docs/mpc.md).
 */
export const DEFAULT_FRACTIONAL_BITS = 16;

/**
 * The catalogue's precision, a choice of the computation (docs/mpc.md, "Precision as a choice"):
 * - 'fxp32' (default): two limbs of f bits (encodeFixedLimbs), 2f = 32 fractional bits with the default
 *   f = 16, MPyC's SecFxp(64) order: inputs quantised to 2^-(2f+1), each sum of products rounded once
 *   more by at most 2^-(2f); three triples per product and the exact rounding of each sum.
 * - 'fxp16': one limb (encodeFixed), f = 16 fractional bits: inputs quantised to 2^-(f+1), sums of
 *   products exact at 2^(2f); one triple per product and no rounding, so about a third of the online
 *   work (relative error about 10^-7 on the bench's data).
 */
export const PRECISIONS = ['fxp32', 'fxp16'] as const;
export type Precision = (typeof PRECISIONS)[number];
export const DEFAULT_PRECISION: Precision = 'fxp32';

export function isPrecision(v: unknown): v is Precision {
  return typeof v === 'string' && (PRECISIONS as readonly string[]).includes(v);
}

/** Field elements per input value: two limbs for 'fxp32', one for 'fxp16'. */
export function limbsOf(precision: Precision): 1 | 2 {
  return precision === 'fxp32' ? 2 : 1;
}

/** The owner's encoding of a column at `precision` (what inputFixed takes). */
export function encodeAt(values: readonly number[], f: number, precision: Precision): FieldVec {
  return precision === 'fxp32' ? encodeFixedLimbs(values, f) : encodeFixed(values, f);
}

/** The owner's range check at `precision` (assertLimbRange or assertOneLimbRange). */
export function assertRangeAt(values: readonly number[], f: number, precision: Precision, secondMoments = true): void {
  if (precision === 'fxp32') assertLimbRange(values, f, secondMoments);
  else assertOneLimbRange(values, f, secondMoments);
}

/**
 * One-limb inputs whose opened sums stay below 2^60: n·H (first sums) and n·H² (sums of products),
 * with H = ⌈max|x|·2^f⌉ + 1.
 */
export function assertOneLimbRange(values: readonly number[], f = DEFAULT_FRACTIONAL_BITS, secondMoments = true): void {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const n = BigInt(values.length);
  const H = BigInt(Math.ceil(max * 2 ** f)) + 1n;
  for (const [what, bound] of [[`n·max|x|·2^${f}`, n * H], ...(secondMoments ? [[`n·max|x|²·2^${2 * f}`, n * H * H]] : [])] as Array<[string, bigint]>) {
    if (bound >= LIMIT) {
      throw new FixedPointOverflowError(`${what} ≈ 2^${bound.toString(2).length - 1} reaches 2^60: lower the fractional bits, the range or the rows`);
    }
  }
}
const LIMIT = 1n << 60n;
/** |M| and |C| must stay below this for the exact rounding division (TRUNCATE_LIMIT_BITS). */
const LIMB_LIMIT = 1n << 58n;
/** A (the products of high limbs) is opened beside small terms: below 2^59 keeps the result under 2^60. */
const HIGH_PRODUCT_LIMIT = 1n << 59n;

export function encodeFixed(values: readonly number[], f = DEFAULT_FRACTIONAL_BITS): FieldVec {
  const out = new BigUint64Array(values.length);
  const scale = 2 ** f;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`value ${i} is not a finite number`);
    const q = BigInt(Math.round(v * scale));
    if (q >= LIMIT || q <= -LIMIT) throw new FixedPointOverflowError(`value ${v} does not fit the field at 2^${f} scale`);
    out[i] = q < 0n ? q + P : q;
  });
  return out;
}

/** The signed integer a field element stands for. */
export function signedOf(a: bigint): bigint {
  return decodeSigned(a);
}

/**
 * Two-limb fixed point (the catalogue's encoding): X = round(x·2^(2f)) split as X = X_hi·2^f + X_lo
 * with X_lo ∈ [−2^(f−1), 2^(f−1)), so X_hi = round(x·2^f) is the one-limb encoding and X_lo carries f
 * more fractional bits. Quantisation error is at most 2^-(2f+1). Returned as [X_hi… ‖ X_lo…] (2n
 * elements, one input); products of limbs stay within the field where a product at scale 2^(4f)
 * would not (see limbRange and docs/mpc.md, "Precision: two limbs").
 */
export function encodeFixedLimbs(values: readonly number[], f = DEFAULT_FRACTIONAL_BITS): FieldVec {
  const n = values.length;
  const out = new BigUint64Array(2 * n);
  const scale = 2 ** (2 * f);
  const F = BigInt(f);
  const half = f > 0 ? 1n << (F - 1n) : 0n;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`value ${i} is not a finite number`);
    const q = BigInt(Math.round(v * scale));
    const hi = (q + half) >> F;
    const lo = q - (hi << F);
    if (hi >= LIMIT || hi <= -LIMIT) throw new FixedPointOverflowError(`value ${v} does not fit the field at 2^${f} scale`);
    out[i] = hi < 0n ? hi + P : hi;
    out[n + i] = lo < 0n ? lo + P : lo;
  });
  return out;
}

/**
 * Refuses two-limb inputs whose sums the catalogue could not hold: with H = ⌈max|x|·2^f⌉ + 1 (a bound
 * on |X_hi|), first sums n·H·2^f and products of low limbs n·2^(2f−2) must stay below 2^58 (the exact
 * rounding division's range), products of high limbs n·H² below 2^59; what is opened then stays
 * below 2^60.
 * `secondMoments` false checks the first sums only (sum, mean). Checked by the data owner on its
 * own plaintext before it inputs anything.
 */
export function assertLimbRange(values: readonly number[], f = DEFAULT_FRACTIONAL_BITS, secondMoments = true): void {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const n = BigInt(values.length);
  const H = BigInt(Math.ceil(max * 2 ** f)) + 1n;
  const F = BigInt(f);
  const bounds: Array<[string, bigint, bigint]> = [[`n·max|x|·2^${2 * f}`, n * H << F, LIMB_LIMIT]];
  if (secondMoments) {
    bounds.push([`n·max|x|²·2^${2 * f}`, n * H * H, HIGH_PRODUCT_LIMIT], [`n·2^${2 * f - 2}`, f > 0 ? n << (2n * F - 2n) : 0n, LIMB_LIMIT]);
  }
  for (const [what, bound, limit] of bounds) {
    if (bound >= limit) {
      const bits = (v: bigint) => v.toString(2).length - 1;
      throw new FixedPointOverflowError(`${what} ≈ 2^${bits(bound)} reaches 2^${bits(limit)}: lower the fractional bits, the range or the rows`);
    }
  }
}

export function decodeFixed(a: bigint, scaleBits: number): number {
  return Number(decodeSigned(a)) / 2 ** scaleBits;
}

/**
 * Refuses inputs whose second moments would overflow: n·max|x|²·2^2f must stay below 2^60.
 * Checked by the data owner on its own plaintext before it inputs anything.
 */
export function assertSecondMomentRange(values: readonly number[], f = DEFAULT_FRACTIONAL_BITS): void {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const bound = BigInt(values.length) * BigInt(Math.ceil(max * 2 ** f)) ** 2n;
  if (bound >= LIMIT) {
    throw new FixedPointOverflowError(
      `n·max|x|²·2^${2 * f} = 2^${bound.toString(2).length - 1} exceeds 2^60: lower the fractional bits or the range`,
    );
  }
}
