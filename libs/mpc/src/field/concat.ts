import type { FieldVec } from './vector';

export function concatVecs(vs: readonly FieldVec[]): FieldVec {
  let n = 0;
  for (const v of vs) n += v.length;
  const out = new BigUint64Array(n);
  let off = 0;
  for (const v of vs) {
    out.set(v, off);
    off += v.length;
  }
  return out;
}

/** The bytes of a vector as sent on the wire (little-endian u64 words). */
export function vecBytes(v: FieldVec): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}
