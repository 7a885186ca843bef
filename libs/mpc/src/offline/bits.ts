import { createCipheriv, createHash } from 'node:crypto';

export function getBit(bits: Uint8Array, i: number): number {
  return (bits[i >> 3]! >> (i & 7)) & 1;
}

/** Bytes copied into a fresh, 8-byte-aligned buffer (Buffers from node:crypto may be unaligned). */
export function aligned(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.length % 8 === 0) {
    return bytes.buffer as ArrayBuffer;
  }
  const out = new ArrayBuffer(Math.ceil(bytes.length / 8) * 8);
  new Uint8Array(out).set(bytes);
  return out;
}

// Mid-sized calls: OpenSSL through Node slows down when each call returns megabytes of fresh memory.
const ZEROS = Buffer.alloc(1 << 16);

/** A pseudo-random stream (AES-128-CTR) from a 16-byte seed; successive calls continue the stream. */
export class PrgStream {
  readonly #cipher;

  constructor(seed: Uint8Array, label: string) {
    const key = createHash('sha256').update(seed).update(label).digest();
    this.#cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }

  next(length: number): Buffer {
    if (length <= ZEROS.length) return this.#cipher.update(ZEROS.subarray(0, length));
    const out = Buffer.allocUnsafe(length);
    this.fill(out);
    return out;
  }

  /** Writes the next `dst.length` bytes of the stream into dst. */
  fill(dst: Uint8Array): void {
    for (let o = 0; o < dst.length; o += ZEROS.length) {
      const len = Math.min(ZEROS.length, dst.length - o);
      dst.set(this.#cipher.update(ZEROS.subarray(0, len)), o);
    }
  }
}

