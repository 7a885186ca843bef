import { createCipheriv, createHash } from 'node:crypto';

/** In-place transpose of a 32×32 bit matrix held as 32 words: afterwards bit k of a[r] = old bit r of a[k]. */
export function transpose32(a: Uint32Array, off: number): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m = (m ^ (m << j)) >>> 0) {
    for (let k = 0; k < 32; k = ((k | j) + 1) & ~j) {
      const t = ((a[off + k]! >>> j) ^ a[off + (k | j)]!) & m;
      a[off + k] = a[off + k]! ^ (t << j);
      a[off + (k | j)] = a[off + (k | j)]! ^ t;
    }
  }
}

/**
 * 128 bit-columns of `rows` bits each (column i = words [i*W, (i+1)*W), W = rows/32, bit b of word w
 * is row 32w+b) to `rows` rows of 128 bits (row j = words [4j, 4j+4), bit k of word c is column 32c+k).
 */
export function columnsToRows(cols: Uint32Array, rows: number): Uint32Array {
  const W = rows / 32;
  const out = new Uint32Array(rows * 4);
  const block = new Uint32Array(32);
  for (let cb = 0; cb < 4; cb++) {
    for (let rb = 0; rb < W; rb++) {
      for (let k = 0; k < 32; k++) block[k] = cols[(cb * 32 + k) * W + rb]!;
      transpose32(block, 0);
      for (let r = 0; r < 32; r++) out[(rb * 32 + r) * 4 + cb] = block[r]!;
    }
  }
  return out;
}

export function xorInto(dst: Uint32Array, src: Uint32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = dst[i]! ^ src[i]!;
}

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

const ZEROS = Buffer.alloc(1 << 20);

/** A pseudo-random stream (AES-128-CTR) from a 16-byte seed; successive calls continue the stream. */
export class PrgStream {
  readonly #cipher;

  constructor(seed: Uint8Array, label: string) {
    const key = createHash('sha256').update(seed).update(label).digest();
    this.#cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }

  next(length: number): Buffer {
    if (length <= ZEROS.length) return this.#cipher.update(ZEROS.subarray(0, length));
    return this.#cipher.update(Buffer.alloc(length));
  }
}

// Fixed public key for the correlation-robust hash: tweaked Matyas–Meyer–Oseas with a fixed-key
// AES permutation π, H(x, i) = π(x ⊕ i) ⊕ x ⊕ i, i = (OT index, block number), as used for OT
// extension in the random-permutation model.
const HASH_KEY = createHash('sha256').update('datawell/mpc/ot-hash/v1').digest().subarray(0, 16);

function aesEcb(data: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', HASH_KEY, null);
  c.setAutoPadding(false);
  return c.update(data);
}

/**
 * Hashes `m` 128-bit rows (optionally XORed with `delta` first) into `blocks` 16-byte blocks each,
 * tweaked by the OT index (tweakBase + j) and block number.
 */
export function hashRows(rows: Uint32Array, m: number, blocks: number, tweakBase: number, delta?: Uint32Array): Buffer {
  const d0 = delta ? delta[0]! : 0;
  const d1 = delta ? delta[1]! : 0;
  const d2 = delta ? delta[2]! : 0;
  const d3 = delta ? delta[3]! : 0;
  const z = new Uint32Array(m * blocks * 4);
  for (let j = 0; j < m; j++) {
    const idx = tweakBase + j;
    const lo = idx >>> 0;
    const hi = (idx / 0x100000000) >>> 0;
    const r0 = rows[j * 4]! ^ d0 ^ lo;
    const r1 = rows[j * 4 + 1]! ^ d1 ^ hi;
    const r2 = rows[j * 4 + 2]! ^ d2;
    const r3 = rows[j * 4 + 3]! ^ d3;
    for (let b = 0; b < blocks; b++) {
      const o = (j * blocks + b) * 4;
      z[o] = r0;
      z[o + 1] = r1;
      z[o + 2] = r2 ^ b;
      z[o + 3] = r3;
    }
  }
  const e = new Uint32Array(aligned(aesEcb(Buffer.from(z.buffer))));
  for (let i = 0; i < e.length; i++) e[i] = e[i]! ^ z[i]!;
  return Buffer.from(e.buffer, 0, m * blocks * 16);
}
