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

/** Where a stretch of a PrgStream starts: enough for another thread to compute it (prgFillAt). */
export interface PrgSpan {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  /** Byte offset of the stretch in the stream. */
  readonly offset: number;
}

/**
 * AES-128-CTR positioned at byte `offset` of the stream (key, iv). OpenSSL's CTR mode counts the whole
 * 16-byte IV as a big-endian integer, so block b of the stream is the IV plus b (mod 2^128).
 */
function cipherAt(key: Uint8Array, iv: Uint8Array, offset: number) {
  const block = Math.floor(offset / 16);
  let counter = BigInt(`0x${Buffer.from(iv).toString('hex')}`) + BigInt(block);
  counter &= (1n << 128n) - 1n;
  const c = createCipheriv('aes-128-ctr', key, Buffer.from(counter.toString(16).padStart(32, '0'), 'hex'));
  if (offset % 16) c.update(ZEROS.subarray(0, offset % 16));
  return c;
}

function fillFrom(cipher: ReturnType<typeof cipherAt>, dst: Uint8Array): void {
  for (let o = 0; o < dst.length; o += ZEROS.length) {
    const len = Math.min(ZEROS.length, dst.length - o);
    dst.set(cipher.update(ZEROS.subarray(0, len)), o);
  }
}

/** Writes the bytes of the stream at span.offset + skip into dst: what the stream itself would give there. */
export function prgFillAt(span: PrgSpan, skip: number, dst: Uint8Array): void {
  fillFrom(cipherAt(span.key, span.iv, span.offset + skip), dst);
}

/**
 * A pseudo-random stream (AES-128-CTR) from a 16-byte seed; successive calls continue the stream.
 * `skip` hands a stretch to worker threads (prgFillAt) without computing it here.
 */
export class PrgStream {
  readonly #key: Buffer;
  readonly #iv: Buffer;
  #cipher;
  #pos = 0;
  #cipherPos = 0;

  constructor(seed: Uint8Array, label: string) {
    const key = createHash('sha256').update(seed).update(label).digest();
    this.#key = key.subarray(0, 16);
    this.#iv = key.subarray(16, 32);
    this.#cipher = createCipheriv('aes-128-ctr', this.#key, this.#iv);
  }

  #sync(length: number) {
    if (this.#cipherPos !== this.#pos) this.#cipher = cipherAt(this.#key, this.#iv, this.#pos);
    this.#pos += length;
    this.#cipherPos = this.#pos;
    return this.#cipher;
  }

  next(length: number): Buffer {
    if (length <= ZEROS.length) return this.#sync(length).update(ZEROS.subarray(0, length));
    const out = Buffer.allocUnsafe(length);
    this.fill(out);
    return out;
  }

  /** Writes the next `dst.length` bytes of the stream into dst. */
  fill(dst: Uint8Array): void {
    fillFrom(this.#sync(dst.length), dst);
  }

  /** Moves past the next `length` bytes and says where they were, for prgFillAt. */
  skip(length: number): PrgSpan {
    const span = { key: this.#key, iv: this.#iv, offset: this.#pos };
    this.#pos += length;
    return span;
  }
}
