import { InvalidArgumentError } from '../errors';
import type { FieldVec } from '../field/vector';
import { P, finv, fneg } from '../field/reference';
import type { MpcParty } from '../online/party';
import type { Shared } from '../online/shares';
import { encodeFixed, signedOf } from './fixed-point';
import { randomBits } from './random-bits';
import type { StatOptions } from './statistics';

/**
 * Secure comparison (Catrina and de Hoogh, 2010): LTZ(a) = [a < 0] for a ∈ [−2^(k−1), 2^(k−1)),
 * through an exact Mod2m with a statistically masked opening c = 2^(k−1) + a + 2^(k−1)·r'' + r'.
 * r' (k−1 random bits) and r'' (κ+1 random bits) hide a with statistical distance < 2^-κ; no
 * wrap-around modulo p requires k + κ ≤ 60 with p = 2^61 − 1. Random bits come from squaring random
 * shared values (p ≡ 3 mod 4), two triples each; the bitwise comparison takes k − 2 multiplication
 * rounds. Cost: about (k + κ)·2 + k triples per comparison, all vectorised.
 */
export interface CompareOptions {
  /** k: the compared difference must lie in [−2^(k−1), 2^(k−1)) as an integer (fixed-point scaled). */
  readonly bits?: number;
  /** κ: statistical security of the masked opening (leakage ≤ 2^-κ). */
  readonly statisticalSecurity?: number;
}

export const DEFAULT_COMPARE_BITS = 20;
export const DEFAULT_STATISTICAL_SECURITY = 40;

function params(o: CompareOptions): { k: number; kappa: number } {
  const k = o.bits ?? DEFAULT_COMPARE_BITS;
  const kappa = o.statisticalSecurity ?? DEFAULT_STATISTICAL_SECURITY;
  if (!Number.isInteger(k) || !Number.isInteger(kappa) || k < 2 || kappa < 1 || k + kappa > 60) {
    throw new InvalidArgumentError(`comparison needs k ≥ 2, κ ≥ 1 and k + κ ≤ 60 (got k = ${k}, κ = ${kappa})`);
  }
  return { k, kappa };
}

/** [a < 0] per element, as shared bits. */
export async function lessThanZero(p: MpcParty, a: Shared, o: CompareOptions = {}): Promise<Shared> {
  const { k, kappa } = params(o);
  const L = a.value.length;
  const m = k - 1;
  const nb = m + kappa + 1;
  const bits = await randomBits(p, L * nb);
  const bit = (i: number) => p.slice(bits, i * L, (i + 1) * L);
  let rPrime = p.mulPublic(bit(0), 1n);
  for (let i = 1; i < m; i++) rPrime = p.add(rPrime, p.mulPublic(bit(i), 1n << BigInt(i)));
  let rSecond = bit(m);
  for (let i = 1; i <= kappa; i++) rSecond = p.add(rSecond, p.mulPublic(bit(m + i), 1n << BigInt(i)));
  const masked = p.add(p.addPublic(a, 1n << BigInt(k - 1)), p.add(p.mulPublic(rSecond, 1n << BigInt(m)), rPrime));
  const c = await p.partialOpen(masked);
  const mask = (1n << BigInt(m)) - 1n;
  const cPrime = c.map((v) => v & mask) as FieldVec;
  const cBit = (i: number): FieldVec => cPrime.map((v) => (v >> BigInt(i)) & 1n) as FieldVec;

  // BitLT(c', r'): first differing bit from the top decides; there r_i = 1 − c'_i.
  const x = (i: number): Shared => {
    const ci = cBit(i);
    return p.addPublic(p.mulPublicVec(bit(i), ci.map((b) => (b ? P - 1n : 1n)) as FieldVec), ci);
  };
  let y = x(m - 1);
  let u = p.mulPublicVec(y, cBit(m - 1).map((b) => 1n - b) as FieldVec);
  for (let i = m - 2; i >= 0; i--) {
    const xi = x(i);
    const yi = p.sub(p.add(y, xi), await p.mul(y, xi));
    const zi = p.sub(yi, y);
    u = p.add(u, p.mulPublicVec(zi, cBit(i).map((b) => 1n - b) as FieldVec));
    y = yi;
  }
  // a' = c' − r' + 2^m·u = (a + 2^(k−1)) mod 2^m; [a < 0] = −(a − a')/2^m.
  const aPrime = p.add(p.sub(p.constant(cPrime), rPrime), p.mulPublic(u, 1n << BigInt(m)));
  return p.mulPublic(p.sub(a, aPrime), fneg(finv(1n << BigInt(m))));
}

/** [x < y] per element for secret y, or a public bound (one field element or a vector). */
export async function secureLessThan(p: MpcParty, x: Shared, y: Shared | FieldVec | bigint, o: CompareOptions = {}): Promise<Shared> {
  if (typeof y === 'bigint') return lessThanZero(p, p.addPublic(x, fneg(y)), o);
  if (y instanceof BigUint64Array) return lessThanZero(p, p.addPublic(x, y.map((v) => fneg(v)) as FieldVec), o);
  return lessThanZero(p, p.sub(x, y), o);
}

/**
 * Counts per bucket for public edges e_1 < … < e_B: (−∞, e_1), [e_1, e_2), …, [e_B, ∞).
 * Reveals only the B + 1 counts to the recipients.
 */
export async function secureHistogram(
  p: MpcParty,
  x: Shared,
  edges: readonly number[],
  o: StatOptions & CompareOptions,
): Promise<number[] | undefined> {
  const n = x.value.length;
  const e = encodeFixed(edges, o.fractionalBits);
  for (let j = 1; j < edges.length; j++) if (!(edges[j]! > edges[j - 1]!)) throw new InvalidArgumentError('edges must increase');
  const reps = p.concat(edges.map(() => x));
  const bounds = new BigUint64Array(n * edges.length);
  edges.forEach((_, j) => bounds.fill(e[j]!, j * n, (j + 1) * n));
  const lt = await secureLessThan(p, reps, bounds, o);
  const below = edges.map((_, j) => p.sum(p.slice(lt, j * n, (j + 1) * n)));
  const out = await p.output(p.concat(below), o.recipients);
  if (!out) return undefined;
  const cum = Array.from(out, (v) => Number(signedOf(v)));
  return [...cum.map((c, j) => c - (j === 0 ? 0 : cum[j - 1]!)), n - cum[cum.length - 1]!];
}

