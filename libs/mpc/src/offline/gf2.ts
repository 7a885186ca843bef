import { createCipheriv, createHash } from 'node:crypto';
import { GF2_WASM_BASE64 } from './gf2-wasm.generated';

/**
 * The OT extension's bit-matrix work in WebAssembly SIMD (gf2.wat): the extension matrix is built,
 * checked, transposed and hashed inside linear memory, and only the message and the OT outputs are
 * copied out. Results are bit-for-bit those of the reference code in gf2-reference.ts (tested).
 * Every function here runs synchronously from start to end, so parties sharing this one instance
 * in a process (tests, benchmarks) never see each other's intermediate state.
 */

// The project's lib setting (ES2022, no DOM) has no WebAssembly typings; Node has the global.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface Gf2Kernels {
  readonly memory: WasmMemory;
  xor(dst: number, src: number, nw: number): void;
  transpose(cols: number, rows: number, nw: number, tmp: number): void;
  parities(cols: number, nc: number, masks: number, nm: number, nw: number, o: number, acc: number): void;
  hashPrep(rows: number, z: number, m: number, blocks: number, base: bigint, delta: number): void;
}

const GF2_MODULE = new WebAssembly.Module(Buffer.from(GF2_WASM_BASE64, 'base64'));
let k = new WebAssembly.Instance(GF2_MODULE).exports as unknown as Gf2Kernels;

/** Bytes of the GF(2) kernels' linear memory. */
export function gf2MemoryBytes(): number {
  return k.memory.buffer.byteLength;
}

/**
 * WebAssembly memory never shrinks, and a batch grows this one to tens of MB: above `keepBytes` the
 * kernels get a fresh instance (one page). Only between OT extensions: a caller must not hold a view
 * of linear memory across it (MascotParty calls it when no offline step of its thread is running).
 */
export function resetGf2Memory(keepBytes: number): void {
  if (k.memory.buffer.byteLength > keepBytes) k = new WebAssembly.Instance(GF2_MODULE).exports as unknown as Gf2Kernels;
}

/**
 * An output buffer reused from one extension to the next: megabytes of fresh memory per batch cost
 * more in page faults and garbage collection than the copy itself. What it returns is valid until
 * its next use.
 */
/** Where an OT core writes its outputs: `view(len)` gives len bytes to write (a ReusedBuffer, or a fixed destination). */
export interface OutputTarget<B extends Uint8Array = Uint8Array> {
  view(len: number): B;
}

/** A fixed destination as an OutputTarget: refuses any other length than its own. */
export function into(dst: Uint8Array): OutputTarget {
  return {
    view(len: number): Uint8Array {
      if (len !== dst.length) throw new RangeError(`OT output of ${len} bytes for a destination of ${dst.length}`);
      return dst;
    },
  };
}

export class ReusedBuffer implements OutputTarget<Buffer> {
  #buf = Buffer.alloc(0);

  /** The first `len` bytes of the buffer (grown when needed), contents unspecified. */
  view(len: number): Buffer {
    if (this.#buf.length < len) this.#buf = Buffer.allocUnsafe(len);
    return this.#buf.subarray(0, len);
  }

  /** Drops the buffer (views handed out stay valid). */
  release(): void {
    this.#buf = Buffer.alloc(0);
  }

  get heldBytes(): number {
    return this.#buf.length;
  }
}

// Rows hashed per pass: the hash's input and output stay small (cache-resident) and linear memory
// does not grow with the batch.
/**
 * Columns of a bit matrix: given as arrays, or written by `fill(i, dst)` straight into linear memory
 * (a PRG), which spares a fresh array per column and its copy (garbage: megabytes per batch).
 */
export type Columns = readonly Uint8Array[] | ColumnSource;
export interface ColumnSource {
  readonly count: number;
  fill(i: number, dst: Uint8Array): void;
}

const isSource = (c: Columns): c is ColumnSource => !Array.isArray(c);
const countOf = (c: Columns): number => (isSource(c) ? c.count : c.length);

/** Writes the columns one after the other at `at`, colBytes each. */
function place(c: Columns, mem: Uint8Array, at: number, colBytes: number): void {
  const n = countOf(c);
  for (let i = 0; i < n; i++) {
    const dst = mem.subarray(at + i * colBytes, at + (i + 1) * colBytes);
    if (isSource(c)) c.fill(i, dst);
    else dst.set(c[i]!);
  }
}

const HASH_ROWS = 16384;

/**
 * out = H(row_j ⊕ delta, tweakBase + j) for j < m, `blocks` blocks per row, in passes of HASH_ROWS
 * rows through the regions z and e (each HASH_ROWS·blocks·16 bytes).
 */
function hashInto(out: Uint8Array, rows: number, m: number, blocks: number, tweakBase: number, delta: number, z: number, e: number): void {
  for (let j0 = 0; j0 < m; j0 += HASH_ROWS) {
    const len = Math.min(HASH_ROWS, m - j0);
    const bytes = len * blocks * 16;
    k.hashPrep(rows + j0 * 16, z, len, blocks, BigInt(tweakBase + j0), delta);
    mmo(z, e, bytes);
    out.set(new Uint8Array(k.memory.buffer, e, bytes), j0 * blocks * 16);
  }
}

/** Makes linear memory at least `bytes` long; returns a byte view of all of it. */
function memory(bytes: number): Uint8Array {
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / 65536));
  return new Uint8Array(k.memory.buffer);
}

/** Hands out 64-byte-aligned regions of linear memory, in order. */
class Layout {
  #end = 0;
  take(bytes: number): number {
    const off = this.#end;
    this.#end += Math.ceil(bytes / 64) * 64;
    return off;
  }
  get end(): number {
    return this.#end;
  }
}

// Fixed public key for the correlation-robust hash: tweaked Matyas–Meyer–Oseas with a fixed-key
// AES permutation π, H(x, i) = π(x ⊕ i) ⊕ x ⊕ i, i = (OT index, block number), as used for OT
// extension in the random-permutation model. One ECB context serves every call (ECB keeps no state).
export const HASH_KEY = createHash('sha256').update('datawell/mpc/ot-hash/v1').digest().subarray(0, 16);
const ecb = createCipheriv('aes-128-ecb', HASH_KEY, null).setAutoPadding(false);
// OpenSSL through Node is fastest on mid-sized calls: whole megabytes cost page faults on fresh output.
const AES_CHUNK = 1 << 16;

/** E = π(Z) ⊕ Z for `bytes` bytes at z, written at e. */
function mmo(z: number, e: number, bytes: number): void {
  for (let o = 0; o < bytes; o += AES_CHUNK) {
    const len = Math.min(AES_CHUNK, bytes - o);
    const out = ecb.update(new Uint8Array(k.memory.buffer, z + o, len));
    new Uint8Array(k.memory.buffer).set(out, e + o);
  }
  k.xor(e, z, bytes / 8);
}

/** Number of 64-bit words in a column of M bits. */
const wordsOf = (M: number) => M / 64;

/**
 * OT-extension sender core: Q's columns q_i = g_i ⊕ Δ_i·u_i from its PRG columns g_i and the
 * receiver's matrix u (128 columns of M bits); the KOS check parities of Q under `checks` masks
 * of M bits each that `fillMasks` writes; and v0 = H(q_j), v1 = H(q_j ⊕ Δ) of `blocks` blocks for the first m rows.
 */
export function otSenderCore<B extends Uint8Array>(
  g: Columns,
  u: Uint8Array | ColumnSource,
  delta: Uint8Array,
  fillMasks: (dst: Uint8Array) => void,
  checks: number,
  M: number,
  m: number,
  blocks: number,
  tweakBase: number,
  out: readonly [OutputTarget<B>, OutputTarget<B>],
): { parities: Uint8Array; v0: B; v1: B } {
  const colBytes = M / 8;
  const nc = countOf(g);
  const L = new Layout();
  const Q = L.take(nc * colBytes);
  const U = L.take(nc * colBytes);
  const MASKS = L.take(checks * colBytes);
  const ACC = L.take(checks * nc * 16);
  const PAR = L.take(checks * nc);
  const TMP = L.take(1024);
  const D = L.take(32);
  const ROWS = L.take(M * 16);
  const Z = L.take(HASH_ROWS * blocks * 16);
  const E = L.take(HASH_ROWS * blocks * 16);
  const mem = memory(L.end);
  if (u instanceof Uint8Array) mem.set(u, U);
  else place(u, mem, U, colBytes);
  place(g, mem, Q, colBytes);
  for (let i = 0; i < nc; i++) if ((delta[i >> 3]! >> (i & 7)) & 1) k.xor(Q + i * colBytes, U + i * colBytes, colBytes / 8);
  fillMasks(mem.subarray(MASKS, MASKS + checks * colBytes));
  k.parities(Q, nc, MASKS, checks, wordsOf(M), PAR, ACC);
  const parities = mem.slice(PAR, PAR + checks * nc);
  k.transpose(Q, ROWS, wordsOf(M), TMP);
  mem.fill(0, D, D + 16);
  mem.set(delta.subarray(0, 16), D + 16);
  const v0 = out[0].view(m * blocks * 16);
  const v1 = out[1].view(m * blocks * 16);
  hashInto(v0, ROWS, m, blocks, tweakBase, D, Z, E);
  hashInto(v1, ROWS, m, blocks, tweakBase, D + 16, Z, E);
  return { parities, v0, v1 };
}

/** OT-extension receiver, first step: u_i = t0_i ⊕ t1_i ⊕ r for its two PRG columns per base OT. */
export function otReceiverMatrix(t0: Columns, t1: Columns, r: Uint8Array, extra: number): Uint8Array {
  const { U, bytes } = receiverMatrix(t0, t1, r);
  const msg = Buffer.allocUnsafe(bytes + extra);
  msg.set(new Uint8Array(k.memory.buffer, U, bytes));
  return msg;
}

/**
 * otReceiverMatrix without fresh arrays (the pool's chunks): hands column i of T and of the message,
 * as views on linear memory valid during the call, to `sink`.
 */
export function otReceiverMatrixTo(t0: Columns, t1: Columns, r: Uint8Array, sink: (i: number, t: Uint8Array, u: Uint8Array) => void): void {
  const { T, U, nc } = receiverMatrix(t0, t1, r);
  const colBytes = r.length;
  const mem = new Uint8Array(k.memory.buffer);
  for (let i = 0; i < nc; i++) sink(i, mem.subarray(T + i * colBytes, T + (i + 1) * colBytes), mem.subarray(U + i * colBytes, U + (i + 1) * colBytes));
}

function receiverMatrix(t0: Columns, t1: Columns, r: Uint8Array): { T: number; U: number; nc: number; bytes: number } {
  const colBytes = r.length;
  const nc = countOf(t0);
  const L = new Layout();
  const T = L.take(nc * colBytes);
  const U = L.take(nc * colBytes);
  const R = L.take(colBytes);
  const mem = memory(L.end);
  mem.set(r, R);
  place(t0, mem, T, colBytes);
  place(t1, mem, U, colBytes);
  for (let i = 0; i < nc; i++) k.xor(U + i * colBytes, R, colBytes / 8);
  k.xor(U, T, (nc * colBytes) / 8);
  return { T, U, nc, bytes: nc * colBytes };
}

/**
 * OT-extension receiver core: the KOS check values (parities x of the choice column r and of t0's
 * columns) and v = H(t_j) of `blocks` blocks for the first m rows.
 */
export function otReceiverCore<B extends Uint8Array>(
  t0: readonly Uint8Array[],
  r: Uint8Array,
  fillMasks: (dst: Uint8Array) => void,
  checks: number,
  M: number,
  m: number,
  blocks: number,
  tweakBase: number,
  out: OutputTarget<B>,
): { x: Uint8Array; parities: Uint8Array; v: B } {
  const colBytes = M / 8;
  const nc = t0.length;
  const L = new Layout();
  const T = L.take(nc * colBytes);
  const R = L.take(colBytes);
  const MASKS = L.take(checks * colBytes);
  const ACC = L.take(checks * nc * 16);
  const PAR = L.take(checks * nc);
  const XP = L.take(checks);
  const TMP = L.take(1024);
  const D = L.take(16);
  const ROWS = L.take(M * 16);
  const Z = L.take(HASH_ROWS * blocks * 16);
  const E = L.take(HASH_ROWS * blocks * 16);
  const mem = memory(L.end);
  t0.forEach((col, i) => mem.set(col, T + i * colBytes));
  mem.set(r, R);
  fillMasks(mem.subarray(MASKS, MASKS + checks * colBytes));
  k.parities(R, 1, MASKS, checks, wordsOf(M), XP, ACC);
  const x = mem.slice(XP, XP + checks);
  k.parities(T, nc, MASKS, checks, wordsOf(M), PAR, ACC);
  const parities = mem.slice(PAR, PAR + checks * nc);
  k.transpose(T, ROWS, wordsOf(M), TMP);
  mem.fill(0, D, D + 16);
  const v = out.view(m * blocks * 16);
  hashInto(v, ROWS, m, blocks, tweakBase, D, Z, E);
  return { x, parities, v };
}

/** Kernels on their own, for the tests against the reference code. */
export const gf2Kernels = {
  transpose(cols: Uint8Array, M: number): Uint8Array {
    const L = new Layout();
    const C = L.take(cols.length);
    const TMP = L.take(1024);
    const ROWS = L.take(M * 16);
    const mem = memory(L.end);
    mem.set(cols, C);
    k.transpose(C, ROWS, wordsOf(M), TMP);
    return mem.slice(ROWS, ROWS + M * 16);
  },
  parities(cols: Uint8Array, nc: number, masks: Uint8Array, nm: number, nw: number): Uint8Array {
    const L = new Layout();
    const C = L.take(cols.length);
    const MASKS = L.take(masks.length);
    const ACC = L.take(nm * nc * 16);
    const PAR = L.take(nm * nc);
    const mem = memory(L.end);
    mem.set(cols, C);
    mem.set(masks, MASKS);
    k.parities(C, nc, MASKS, nm, nw, PAR, ACC);
    return mem.slice(PAR, PAR + nm * nc);
  },
  hashRows(rows: Uint8Array, m: number, blocks: number, tweakBase: number, delta?: Uint8Array): Buffer {
    const L = new Layout();
    const ROWS = L.take(rows.length);
    const D = L.take(16);
    const Z = L.take(HASH_ROWS * blocks * 16);
    const E = L.take(HASH_ROWS * blocks * 16);
    const mem = memory(L.end);
    mem.set(rows, ROWS);
    mem.fill(0, D, D + 16);
    if (delta) mem.set(delta.subarray(0, 16), D);
    const out = Buffer.allocUnsafe(m * blocks * 16);
    hashInto(out, ROWS, m, blocks, tweakBase, D, Z, E);
    return out;
  },
};

/**
 * SoftSpoken's column kernel (softspoken.ts `fold`) in linear memory with the SIMD XOR: `fill(y, dst)`
 * writes leaf stripe y (len bytes, a multiple of 8) for y = 0 .. 2^s − 1 (from `first`: with first = 1
 * stripe 0 is zero, the sender's punctured leaf); returns out[i] = ⊕_{bit i of y} L[y] (i < s) and
 * u = ⊕_y L[y] ⊕ mask (mask: len bytes, or none), as fresh arrays. Tested against `fold`.
 */
export function foldColumns(s: number, len: number, first: number, fill: (y: number, dst: Uint8Array) => void, mask?: Uint8Array): { out: Uint8Array[]; u: Uint8Array } {
  const n = 1 << s;
  const L = new Layout();
  const LEAVES = L.take(n * len);
  const OUT = L.take(s * len);
  const MASK = L.take(len);
  const mem = memory(L.end);
  const at = (y: number) => LEAVES + y * len;
  if (first > 0) mem.fill(0, LEAVES, LEAVES + first * len);
  for (let y = first; y < n; y++) fill(y, mem.subarray(at(y), at(y) + len));
  mem.fill(0, OUT, OUT + s * len);
  const nw = len / 8;
  for (let i = s - 1; i >= 0; i--) {
    const half = 1 << i;
    const o = OUT + i * len;
    for (let y = 0; y < half; y++) {
      k.xor(o, at(half + y), nw);
      k.xor(at(y), at(half + y), nw);
    }
  }
  if (mask) {
    mem.set(mask.subarray(0, len), MASK);
    k.xor(LEAVES, MASK, nw);
  }
  const view = new Uint8Array(k.memory.buffer);
  return { out: Array.from({ length: s }, (_, i) => view.slice(OUT + i * len, OUT + (i + 1) * len)), u: view.slice(LEAVES, LEAVES + len) };
}
