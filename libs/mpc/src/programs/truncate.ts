import { InvalidArgumentError } from '../errors';
import type { FieldVec } from '../field/vector';
import { P, finv, fneg } from '../field/reference';
import type { MpcParty } from '../online/party';
import type { Shared } from '../online/shares';
import { randomBits } from './random-bits';

/**
 * Exact rounding division by a power of two of a few secret values: round(x_j / 2^m_j) for signed
 * x_j with |x_j| < 2^58 and 0 ≤ m_j ≤ 58, through a bit decomposition that uses the whole field.
 *
 * Why not the statistically masked truncation of Catrina and Saxena: in GF(2^61 − 1) its mask must
 * be κ = 40 bits wider than the value, which leaves 20 bits of payload; the values truncated here
 * (partial dot products of 100,000 elements) have 50 and more. Instead:
 *  - x' = x + 2^59 + 2^(m−1) lies in [1, 2^60): a positive integer below p;
 *  - r = Σ r_i·2^i from 61 shared random bits is uniform on [0, 2^61), so r mod p is uniform on GF(p)
 *    but for the value 0, which has twice the weight (r = 0 and r = p): the opened c = x' + r mod p
 *    is within statistical distance 2^-61 of uniform, whatever x' is;
 *  - with p = 2^61 − 1 all ones, p − r is the complement r̄ (r̄_i = 1 − r_i), so x' ≡ c + r̄: a 61-bit
 *    one's-complement (end-around carry) addition of the public c and the secret bits r̄. Since
 *    1 ≤ x' < p, that sum is x' itself (the other zero, all ones, cannot occur);
 *  - its carries come from a Kogge–Stone prefix over (generate, propagate) pairs, 6 rounds of
 *    batched multiplications; the low m bits of x' then give ⌊x'/2^m⌋ = (x' − (x' mod 2^m))/2^m as
 *    an exact field division.
 * Every opening is recorded for the MAC check before any output, like any other.
 * Cost per value: 122 triples for the random bits and about 720 for the adder; a handful of rounds.
 */
const BITS = 61;
/** Values must satisfy |x| < 2^LIMIT_BITS. */
export const TRUNCATE_LIMIT_BITS = 58;
const OFFSET = 1n << 59n;

/** Triples one call of roundShift consumes for `count` values (an upper bound the catalogue tops up to). */
export function roundShiftTriples(count: number): number {
  if (count === 0) return 0;
  let prefix = 0;
  for (let d = 1; d < BITS; d *= 2) prefix += 2 * (BITS - d);
  // Random bits (two triples each), the prefix, the end-around carries and the low sum bits.
  return count * (2 * BITS + prefix + (BITS - 1) + TRUNCATE_LIMIT_BITS);
}

/**
 * round(x_j / 2^shifts[j]) per element of x (half-way cases round up), as shared values. Values outside
 * |x| < 2^58 give wrong results, not leaks: c stays masked by r whatever x is.
 */
export async function roundShift(p: MpcParty, x: Shared, shifts: readonly number[]): Promise<Shared> {
  const L = x.value.length;
  if (shifts.length !== L) throw new InvalidArgumentError(`roundShift of ${L} values with ${shifts.length} shifts`);
  if (shifts.some((m) => !Number.isInteger(m) || m < 0 || m > TRUNCATE_LIMIT_BITS)) {
    throw new InvalidArgumentError(`shifts must be integers from 0 to ${TRUNCATE_LIMIT_BITS}`);
  }
  if (L === 0 || shifts.every((m) => m === 0)) return x;
  const vec = (f: (j: number) => bigint): FieldVec => BigUint64Array.from({ length: L }, (_, j) => f(j));
  const half = (j: number) => (shifts[j]! > 0 ? 1n << BigInt(shifts[j]! - 1) : 0n);
  const xp = p.addPublic(x, vec((j) => OFFSET + half(j)));

  // Every per-bit vector below is bit-major (bit i of value j at i·L + j), so each step is a few
  // whole-vector operations rather than one per bit.
  const bits = await randomBits(p, BITS * L);
  const bit = (v: Shared, from: number, to: number) => p.slice(v, from * L, to * L);
  let rSum = bit(bits, 0, 1);
  for (let i = 1; i < BITS; i++) rSum = p.add(rSum, p.mulPublic(bit(bits, i, i + 1), 1n << BigInt(i)));
  const c = await p.partialOpen(p.add(xp, rSum));
  const cBits = new BigUint64Array(BITS * L);
  for (let i = 0; i < BITS; i++) for (let j = 0; j < L; j++) cBits[i * L + j] = (c[j]! >> BigInt(i)) & 1n;

  // Per bit of c + r̄: generate g_i = c_i·r̄_i and propagate t_i = c_i ⊕ r̄_i, both linear in r_i
  // because c is public (c_i = 1: g = 1 − r_i, t = r_i; c_i = 0: g = 0, t = 1 − r_i).
  const rbar = p.addPublic(p.neg(bits), 1n);
  const T = p.add(rbar, p.mulPublicVec(p.addPublic(p.mulPublic(bits, 2n), P - 1n), cBits)); // (1 − r) + c·(2r − 1)
  // Prefix (G_i, P_i) over bits 0..i: G carries out with carry-in 0, P propagates a carry-in.
  // G and P of one range are never both 1, so G_hi + P_hi·G_lo is their OR.
  let G = p.mulPublicVec(rbar, cBits);
  let Pp = T;
  for (let d = 1; d < BITS; d *= 2) {
    const upperP = bit(Pp, d, BITS);
    const prod = await p.mul(p.concat([upperP, upperP]), p.concat([bit(G, 0, BITS - d), bit(Pp, 0, BITS - d)]));
    const n = (BITS - d) * L;
    G = p.concat([bit(G, 0, d), p.add(bit(G, d, BITS), p.slice(prod, 0, n))]);
    Pp = p.concat([bit(Pp, 0, d), p.slice(prod, n, 2 * n)]);
  }
  // End-around carry: the carry out of the top (with carry-in 0) is the carry into bit 0; the carry
  // into bit i > 0 is G_(i−1) + P_(i−1)·k.
  const maxShift = Math.max(...shifts);
  const k = bit(G, BITS - 1, BITS);
  const carries =
    maxShift > 1
      ? p.concat([k, p.add(bit(G, 0, maxShift - 1), await p.mul(bit(Pp, 0, maxShift - 1), p.concat(Array.from({ length: maxShift - 1 }, () => k))))])
      : k;
  // Sum bits s_i = t_i ⊕ carry_i for i < max m, weighted 2^i where i < m_j.
  const tLow = bit(T, 0, maxShift);
  const sLow = p.sub(p.add(tLow, carries), p.mulPublic(await p.mul(tLow, carries), 2n));
  const weights = new BigUint64Array(maxShift * L);
  for (let i = 0; i < maxShift; i++) for (let j = 0; j < L; j++) weights[i * L + j] = i < shifts[j]! ? 1n << BigInt(i) : 0n;
  const weighted = p.mulPublicVec(sLow, weights);
  let low = bit(weighted, 0, 1);
  for (let i = 1; i < maxShift; i++) low = p.add(low, bit(weighted, i, i + 1));
  // ⌊x'/2^m⌋ − 2^(59−m) = round(x/2^m); the division is exact in the field.
  const inv = vec((j) => finv(1n << BigInt(shifts[j]!)));
  return p.addPublic(p.mulPublicVec(p.sub(xp, low), inv), vec((j) => fneg(OFFSET >> BigInt(shifts[j]!))));
}
