/**
 * BigInt reference arithmetic modulo p = 2^61 - 1: slow and obviously correct, the oracle the
 * WebAssembly kernels are property-tested against, and the scalar arithmetic for the few
 * per-computation constants (inverses, encodings).
 */
export const P = (1n << 61n) - 1n;
/** Bits in p: the MAC forgery bound is 1/p per check (2^-61, see docs/mpc.md). */
export const FIELD_BITS = 61;

export function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}
export const fadd = (a: bigint, b: bigint): bigint => mod(a + b);
export const fsub = (a: bigint, b: bigint): bigint => mod(a - b);
export const fmul = (a: bigint, b: bigint): bigint => mod(a * b);
export const fneg = (a: bigint): bigint => mod(-a);

export function fpow(a: bigint, e: bigint): bigint {
  let base = mod(a);
  let r = 1n;
  let k = e;
  while (k > 0n) {
    if (k & 1n) r = (r * base) % P;
    base = (base * base) % P;
    k >>= 1n;
  }
  return r;
}

export function finv(a: bigint): bigint {
  if (mod(a) === 0n) throw new RangeError('zero has no inverse');
  return fpow(a, P - 2n);
}

/** Signed integer to field element (two's complement style: negatives map to p - |x|). */
export function encodeSigned(x: bigint): bigint {
  return mod(x);
}

/** Field element to the signed integer in (-p/2, p/2). */
export function decodeSigned(a: bigint): bigint {
  return a > P >> 1n ? a - P : a;
}
