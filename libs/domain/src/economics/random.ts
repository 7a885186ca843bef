import { InvalidParameterError } from './errors';

/** A source of uniform doubles in [0, 1). */
export type Random = () => number;

/**
 * xoshiro128** (Blackman and Vigna): small, fast, good statistical quality, and plain 32-bit integer
 * arithmetic, so the same seed gives the same numbers on every JavaScript engine.
 * Returns the raw 32-bit outputs; exported for its known-answer test.
 */
export function xoshiro128ss(state: readonly [number, number, number, number]): () => number {
  let [a, b, c, d] = state.map((x) => x >>> 0) as [number, number, number, number];
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is a fixed point
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32, to spread a small seed over the 128-bit state. */
function splitmix32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s ^ (s >>> 16);
    z = Math.imul(z, 0x21f0aaad);
    z ^= z >>> 15;
    z = Math.imul(z, 0x735a2d97);
    z ^= z >>> 15;
    return z >>> 0;
  };
}

/** A seeded generator of doubles in [0, 1) with 53 random bits. Seeds are integers in [0, 2^53). */
export function seededRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidParameterError('seed', `seed = ${seed} must be a non-negative integer below 2^53`);
  }
  const high = Math.floor(seed / 2 ** 32);
  const mix = splitmix32((seed >>> 0) ^ Math.imul(high, 0x85ebca6b));
  const next = xoshiro128ss([mix(), mix(), mix(), mix()]);
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}
