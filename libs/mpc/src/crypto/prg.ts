import { createCipheriv, createHash } from 'node:crypto';
import type { FieldVec } from '../field/vector';
import { vfromRandomWords } from '../field/vector';

/** AES-128-CTR keyed by SHA-256(seed, label): a PRG stream for a given seed and purpose. */
export function prgBytes(seed: Uint8Array, label: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).update(label).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return cipher.update(Buffer.alloc(length));
}

/** `n` field elements from a seed (statistically close to uniform, see vfromRandomWords). */
export function prgField(seed: Uint8Array, label: string, n: number): FieldVec {
  const bytes = prgBytes(seed, label, n * 8);
  return vfromRandomWords(new BigUint64Array(bytes.buffer, bytes.byteOffset, n));
}
