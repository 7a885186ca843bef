import { createCipheriv, createHash } from 'node:crypto';
import type { FieldVec } from '../field/vector';
import { vfromRandomWords } from '../field/vector';

function prgCipher(seed: Uint8Array, label: string) {
  const key = createHash('sha256').update(seed).update(label).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
}

/** AES-128-CTR keyed by SHA-256(seed, label): a PRG stream for a given seed and purpose. */
export function prgBytes(seed: Uint8Array, label: string, length: number): Buffer {
  return prgCipher(seed, label).update(Buffer.alloc(length));
}

/** Bytes of a PRG stream read in pieces (zeros for the counter mode; never written). */
const ZEROS = Buffer.alloc(1 << 16);

/**
 * The stream of prgBytes(seed, label, …) in successive pieces: next(k) returns the next k bytes, so
 * the concatenation of the pieces is prgBytes(seed, label, total). A long stream is consumed where
 * it is used instead of being held whole.
 */
export function prgStream(seed: Uint8Array, label: string): (length: number) => Buffer {
  const cipher = prgCipher(seed, label);
  return (length) => {
    if (length <= ZEROS.length) return cipher.update(ZEROS.subarray(0, length));
    return cipher.update(Buffer.alloc(length));
  };
}

/** `n` field elements from a seed (statistically close to uniform, see vfromRandomWords). */
export function prgField(seed: Uint8Array, label: string, n: number): FieldVec {
  const bytes = prgBytes(seed, label, n * 8);
  return vfromRandomWords(new BigUint64Array(bytes.buffer, bytes.byteOffset, n));
}
