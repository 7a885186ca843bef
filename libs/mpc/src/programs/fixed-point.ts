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
const LIMIT = 1n << 60n;

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
