import { createCipheriv } from 'node:crypto';
import { aligned } from './bits';
import { HASH_KEY } from './gf2';

/**
 * Reference implementations of the OT extension's bit-matrix kernels in plain TypeScript: slow and
 * simple, the oracle the WebAssembly SIMD kernels (gf2.wat) are tested against. Not used by the
 * protocol.
 */

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

/** GF(2) inner products: out[c*nc + i] = parity(cols_i AND masks_c), rows of nw 64-bit words. */
export function parities(cols: Uint8Array, nc: number, masks: Uint8Array, nm: number, nw: number): Uint8Array {
  const cw = new BigUint64Array(aligned(cols));
  const mw = new BigUint64Array(aligned(masks));
  const out = new Uint8Array(nm * nc);
  for (let c = 0; c < nm; c++)
    for (let i = 0; i < nc; i++) {
      let x = 0n;
      for (let w = 0; w < nw; w++) x ^= cw[i * nw + w]! & mw[c * nw + w]!;
      let p = 0;
      for (; x; x >>= 1n) p ^= Number(x & 1n);
      out[c * nc + i] = p;
    }
  return out;
}
