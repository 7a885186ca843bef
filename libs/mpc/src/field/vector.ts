import { randomFillSync } from 'node:crypto';
import { FIELD_WASM_BASE64 } from './field-wasm.generated';
import { P, fadd, fmul } from './reference';

/** A vector of field elements, each in [0, p). */
export type FieldVec = BigUint64Array;

// The project's lib setting (ES2022, no DOM) has no WebAssembly typings; Node has the global.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface Kernels {
  readonly memory: WasmMemory;
  mulmod(a: bigint, b: bigint): bigint;
  add(a: number, b: number, o: number, n: number): void;
  sub(a: number, b: number, o: number, n: number): void;
  mul(a: number, b: number, o: number, n: number): void;
  mulc(a: number, c: bigint, o: number, n: number): void;
  addc(a: number, c: bigint, o: number, n: number): void;
  axpy(o: number, a: number, c: bigint, n: number): void;
  beaver(o: number, c: number, a: number, b: number, d: number, e: number, n: number): void;
  addprodc(o: number, d: number, e: number, k: bigint, n: number): void;
  dot(a: number, b: number, n: number): bigint;
  sum(a: number, n: number): bigint;
  reduce(a: number, n: number): void;
  canon(a: number, n: number): void;
  addcanon(o: number, r: number, n: number): void;
  macres(m: number, x: number, k: bigint, n: number): void;
  beavermac(s: number, w: number, n: number, k: bigint, k0: number): void;
  dotred(r: number, t: number, n: number): bigint;
  pow(a: number, e: bigint, o: number, n: number): void;
  wsum(a: number, w: number, o: number, groups: number, g: number, s: number): void;
  bitsum(a: number, o: number, groups: number, g: number, s: number): void;
  gsend(v0: number, v1: number, a: number, d: number, s: number, T: number, g: number): void;
  grecv(v: number, bits: number, d: number, o: number, T: number, g: number): void;
  copex(t0: number, t1: number, x: number, msg: number, acc: number, n: number, l: bigint): void;
  copeq(s: number, u: number, acc: number, n: number, l: bigint, bit: bigint): void;
}

const FIELD_MODULE = new WebAssembly.Module(Buffer.from(FIELD_WASM_BASE64, 'base64'));
let kernels = new WebAssembly.Instance(FIELD_MODULE).exports as unknown as Kernels;
let words = new BigUint64Array(kernels.memory.buffer);

/** Bytes of the field kernels' linear memory. */
export function fieldMemoryBytes(): number {
  return kernels.memory.buffer.byteLength;
}

/**
 * WebAssembly memory never shrinks, and the whole-vector kernels (Gilboa, COPE) grow this one to a
 * batch's size, tens of MB: above `keepBytes` the kernels get a fresh instance (one page). Every
 * function of this module is synchronous, so between two calls no view of linear memory is live.
 */
export function resetFieldMemory(keepBytes: number): void {
  if (kernels.memory.buffer.byteLength <= keepBytes) return;
  kernels = new WebAssembly.Instance(FIELD_MODULE).exports as unknown as Kernels;
  words = new BigUint64Array(kernels.memory.buffer);
}

/** Makes linear memory hold at least `n` u64 words and returns the current view. */
function scratch(n: number): BigUint64Array {
  const bytes = n * 8;
  if (kernels.memory.buffer.byteLength < bytes) {
    kernels.memory.grow(Math.ceil((bytes - kernels.memory.buffer.byteLength) / 65536));
  }
  if (words.buffer !== kernels.memory.buffer) words = new BigUint64Array(kernels.memory.buffer);
  return words;
}

/**
 * Words per slot of a streamed kernel (32 KiB; the Beaver step uses 11 slots): long vectors cross
 * linear memory in chunks of CHUNK words, so the kernels' inputs and outputs stay in cache.
 */
const CHUNK = 4096;

function sameLength(...vs: FieldVec[]): number {
  const n = vs[0]!.length;
  for (const v of vs) if (v.length !== n) throw new RangeError(`vector lengths differ: ${n} and ${v.length}`);
  return n;
}

/**
 * Streams `inputs` into slots 0, 1, … of linear memory chunk by chunk, runs `kernel(len)` on each chunk
 * and copies slots `outputs` out into fresh vectors of length n.
 */
function streamed(
  n: number,
  inputs: readonly FieldVec[],
  outputs: readonly number[],
  kernel: (len: number) => void,
  outs: FieldVec[] = outputs.map(() => new BigUint64Array(n)),
): FieldVec[] {
  const w = scratch(Math.max(inputs.length, ...outputs.map((o) => o + 1)) * CHUNK);
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    for (let i = 0; i < inputs.length; i++) w.set(inputs[i]!.subarray(off, off + len), i * CHUNK);
    kernel(len);
    for (let j = 0; j < outputs.length; j++) outs[j]!.set(w.subarray(outputs[j]! * CHUNK, outputs[j]! * CHUNK + len), off);
  }
  return outs;
}

function binary(op: 'add' | 'sub' | 'mul', a: FieldVec, b: FieldVec): FieldVec {
  return streamed(sameLength(a, b), [a, b], [2], (len) => kernels[op](0, CHUNK * 8, 2 * CHUNK * 8, len))[0]!;
}

export const vadd = (a: FieldVec, b: FieldVec): FieldVec => binary('add', a, b);
export const vsub = (a: FieldVec, b: FieldVec): FieldVec => binary('sub', a, b);

/** a + b written into `out` (a reused scratch vector: the limb sums of a dot product). */
export function vaddInto(a: FieldVec, b: FieldVec, out: FieldVec): FieldVec {
  const n = sameLength(a, b, out);
  return streamed(n, [a, b], [2], (len) => kernels.add(0, CHUNK * 8, 2 * CHUNK * 8, len), [out])[0]!;
}

/** a − b written into `out` (a view of a larger vector, e.g. one segment of a batched opening). */
export function vsubInto(a: FieldVec, b: FieldVec, out: FieldVec): FieldVec {
  const n = sameLength(a, b, out);
  return streamed(n, [a, b], [2], (len) => kernels.sub(0, CHUNK * 8, 2 * CHUNK * 8, len), [out])[0]!;
}
export const vmul = (a: FieldVec, b: FieldVec): FieldVec => binary('mul', a, b);

/** [x − a ‖ y − b] in one pass (the Beaver opening of a multiplication), streamed through cache-sized chunks. */
export function vsub2(x: FieldVec, a: FieldVec, y: FieldVec, b: FieldVec, out: FieldVec = new BigUint64Array(2 * x.length)): FieldVec {
  const n = sameLength(x, a, y, b);
  if (out.length !== 2 * n) throw new RangeError(`vsub2 into ${out.length} words for ${n} pairs`);
  const w = scratch(3 * CHUNK);
  for (const [u, v, at] of [[x, a, 0], [y, b, n]] as const) {
    for (let off = 0; off < n; off += CHUNK) {
      const len = Math.min(CHUNK, n - off);
      w.set(u.subarray(off, off + len), 0);
      w.set(v.subarray(off, off + len), CHUNK);
      kernels.sub(0, CHUNK * 8, 2 * CHUNK * 8, len);
      out.set(w.subarray(2 * CHUNK, 2 * CHUNK + len), at + off);
    }
  }
  return out;
}

export function vmulc(a: FieldVec, c: bigint): FieldVec {
  return streamed(a.length, [a], [1], (len) => kernels.mulc(0, c, CHUNK * 8, len))[0]!;
}

export function vaddc(a: FieldVec, c: bigint): FieldVec {
  return streamed(a.length, [a], [1], (len) => kernels.addc(0, c, CHUNK * 8, len))[0]!;
}

/** a + c*x, elementwise, with public scalar c. */
export function vaxpy(a: FieldVec, x: FieldVec, c: bigint): FieldVec {
  return streamed(sameLength(a, x), [a, x], [0], (len) => kernels.axpy(0, CHUNK * 8, c, len))[0]!;
}

/** Share of x*y from a triple share (a, b, c) and opened d = x - a, e = y - b: c + d*b + e*a + k*d*e. */
export function vbeaver(c: FieldVec, a: FieldVec, b: FieldVec, d: FieldVec, e: FieldVec, k: bigint): FieldVec {
  const n = sameLength(c, a, b, d, e);
  const w = scratch(6 * n);
  w.set(c, n);
  w.set(a, 2 * n);
  w.set(b, 3 * n);
  w.set(d, 4 * n);
  w.set(e, 5 * n);
  kernels.beaver(0, n * 8, 2 * n * 8, 3 * n * 8, 4 * n * 8, 5 * n * 8, n);
  if (k !== 0n) kernels.addprodc(0, 4 * n * 8, 5 * n * 8, k, n);
  return w.slice(0, n);
}

export function vdot(a: FieldVec, b: FieldVec): bigint {
  let acc = 0n;
  streamed(sameLength(a, b), [a, b], [], (len) => (acc = fadd(acc, BigInt.asUintN(64, kernels.dot(0, CHUNK * 8, len)))));
  return acc;
}

export function vsum(a: FieldVec): bigint {
  let acc = 0n;
  streamed(a.length, [a], [], (len) => (acc = fadd(acc, BigInt.asUintN(64, kernels.sum(0, len)))));
  return acc;
}

/** Elementwise a^e for a public exponent e < 2^63. */
export function vpow(a: FieldVec, e: bigint): FieldVec {
  const n = a.length;
  const w = scratch(2 * n);
  w.set(a, 0);
  kernels.pow(0, BigInt.asIntN(64, e), n * 8, n);
  return w.slice(n, 2 * n);
}

/** Any 64-bit words to canonical field elements (for data received from peers). */
export function vcanon(words64: BigUint64Array): FieldVec {
  const n = words64.length;
  const w = scratch(n);
  w.set(words64, 0);
  kernels.canon(0, n);
  return w.slice(0, n);
}

/**
 * own + Σ received, where each received share is raw little-endian words from a peer (canonicalised
 * here): the sum step of an opening in one pass over linear memory.
 */
export function vsumShares(own: FieldVec, received: readonly Uint8Array[]): FieldVec {
  const n = own.length;
  const w = scratch((received.length + 1) * n);
  w.set(own, 0);
  const bytes = new Uint8Array(w.buffer);
  received.forEach((r, k) => {
    if (r.length !== n * 8) throw new RangeError(`share of ${r.length} bytes, expected ${n * 8}`);
    bytes.set(r, (k + 1) * n * 8);
    kernels.canon((k + 1) * n * 8, n);
    kernels.add(0, (k + 1) * n * 8, 0, n);
  });
  return w.slice(0, n);
}

// ---- The online phase's opening, streamed (issue 15, sixth session) ----
// Long vectors cross linear memory in chunks of CHUNK words: the kernels' inputs and outputs stay in
// cache, and every word is read from and written to main memory once. Whole-vector copies into
// linear memory, then out with slice(), were a third of a multiplication's time.

function checkShares(received: readonly Uint8Array[], n: number): void {
  for (const r of received) if (r.length !== n * 8) throw new RangeError(`share of ${r.length} bytes, expected ${n * 8}`);
}

/** Where an opening's MAC residuals go: the caller's (reused) vector of n words, or a fresh one. */
function residualOf(n: number, into: FieldVec | undefined): FieldVec {
  if (!into) return new BigUint64Array(n);
  if (into.length !== n) throw new RangeError(`residuals of ${n} words into ${into.length}`);
  return into;
}

/**
 * The local steps of an opening: sum = own + Σ canon(received) (each received share raw
 * little-endian words from a peer) and the MAC residual mac − k·sum, with k this party's MAC-key
 * share. The MAC check needs only Σ r_j·residual_j = Σ r_j·mac_j − k·Σ r_j·sum_j, so a party keeps
 * the residual instead of both the opened value and its MAC share. The residuals are written into
 * `residualInto` when given (n words; the sum is always fresh: it is the caller's result).
 */
export function vopen(
  own: FieldVec,
  mac: FieldVec,
  received: readonly Uint8Array[],
  k: bigint,
  residualInto?: FieldVec,
): { sum: FieldVec; residual: FieldVec } {
  const n = sameLength(own, mac);
  checkShares(received, n);
  const sum = new BigUint64Array(n);
  const residual = residualOf(n, residualInto);
  const S = 0;
  const M = CHUNK;
  const R = 2 * CHUNK;
  const w = scratch(3 * CHUNK);
  const bytes = new Uint8Array(w.buffer);
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    w.set(own.subarray(off, off + len), S);
    for (const r of received) {
      bytes.set(r.subarray(off * 8, (off + len) * 8), R * 8);
      kernels.addcanon(S * 8, R * 8, len);
    }
    w.set(mac.subarray(off, off + len), M);
    kernels.macres(M * 8, S * 8, k, len);
    sum.set(w.subarray(S, S + len), off);
    residual.set(w.subarray(M, M + len), off);
  }
  return { sum, residual };
}

/**
 * The local step of an input [x] = [r] + ε after the masked values ε = x − r arrived (raw little-endian
 * words from the owner, or the owner's own ε), in one streamed pass: ε canonicalised chunk by chunk,
 * each canonical chunk handed to `seen` (the transcript of broadcast values: the same bytes, in order,
 * as ε whole), and this party's shares of x, value r_v (+ ε if `addsPublic`) and mac r_m + k·ε, with
 * k its MAC-key share. Without `addsPublic` the value is the mask's own vector (nothing to add).
 */
export function vinputOpen(
  eps: Uint8Array,
  mask: { readonly value: FieldVec; readonly mac: FieldVec },
  k: bigint,
  addsPublic: boolean,
  seen: (canonical: Uint8Array) => void,
): { value: FieldVec; mac: FieldVec } {
  const n = sameLength(mask.value, mask.mac);
  checkShares([eps], n);
  const value = addsPublic ? new BigUint64Array(n) : mask.value;
  const mac = new BigUint64Array(n);
  // Slots: 0 ε, 1 the value's share, 2 the MAC's share.
  const [E, V, M] = [0, CHUNK * 8, 2 * CHUNK * 8];
  const w = scratch(3 * CHUNK);
  const bytes = new Uint8Array(w.buffer);
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    bytes.set(eps.subarray(off * 8, (off + len) * 8), E);
    kernels.canon(E, len);
    seen(bytes.subarray(E, E + len * 8));
    if (addsPublic) {
      w.set(mask.value.subarray(off, off + len), CHUNK);
      kernels.add(V, E, V, len);
      value.set(w.subarray(CHUNK, CHUNK + len), off);
    }
    w.set(mask.mac.subarray(off, off + len), 2 * CHUNK);
    kernels.axpy(M, E, k, len);
    mac.set(w.subarray(2 * CHUNK, 2 * CHUNK + len), off);
  }
  return { value, mac };
}

/** A multiplication's inputs besides the opening: the MAC shares of x and y and the triple (a, b, c). */
export interface BeaverInputs {
  readonly xm: FieldVec;
  readonly ym: FieldVec;
  readonly av: FieldVec;
  readonly am: FieldVec;
  readonly bv: FieldVec;
  readonly bm: FieldVec;
  readonly cv: FieldVec;
  readonly cm: FieldVec;
}

/**
 * A Beaver multiplication after the peers' shares of [d ‖ e] = [x − a ‖ y − b] arrived, in one
 * streamed pass: d and e opened (own + Σ canon(received)), the shares of x·y,
 *   value = c + d·b + e·a (+ d·e if `addsPublic`), mac = c_m + d·b_m + e·a_m + k·d·e,
 * and the opening's MAC residual [x_m − a_m − k·d ‖ y_m − b_m − k·e] (as vopen's). The opened d, e
 * themselves are not kept: nothing after the multiplication needs them.
 */
export function vbeaverOpen(
  own: FieldVec,
  received: readonly Uint8Array[],
  s: BeaverInputs,
  k: bigint,
  addsPublic: boolean,
  residualInto?: FieldVec,
): { value: FieldVec; mac: FieldVec; residual: FieldVec } {
  const n = s.xm.length;
  const value = new BigUint64Array(n);
  const mac = new BigUint64Array(n);
  const residual = beaverPass(own, received, s, k, addsPublic, residualInto, (w, off, len) => {
    value.set(w.subarray(8 * CHUNK, 8 * CHUNK + len), off);
    mac.set(w.subarray(9 * CHUNK, 9 * CHUNK + len), off);
  });
  return { value, mac, residual };
}

/**
 * A dot product Σ x_i·y_i after the peers' shares of its Beaver opening [d ‖ e] arrived: the pass of
 * vbeaverOpen, but each chunk's shares of the products are summed in cache and never leave it, so
 * the result is this party's share of the sum, value Σ(c + d·b + e·a) (+ Σd·e if `addsPublic`) and
 * mac Σ(c_m + d·b_m + e·a_m + k·d·e), beside the opening's residuals.
 */
export function vbeaverDotOpen(
  own: FieldVec,
  received: readonly Uint8Array[],
  s: BeaverInputs,
  k: bigint,
  addsPublic: boolean,
  residualInto?: FieldVec,
): { value: bigint; mac: bigint; residual: FieldVec } {
  let value = 0n;
  let mac = 0n;
  const residual = beaverPass(own, received, s, k, addsPublic, residualInto, (_w, _off, len) => {
    value = fadd(value, BigInt.asUintN(64, kernels.sum(8 * CHUNK * 8, len)));
    mac = fadd(mac, BigInt.asUintN(64, kernels.sum(9 * CHUNK * 8, len)));
  });
  return { value, mac, residual };
}

/**
 * The streamed Beaver step shared by vbeaverOpen and vbeaverDotOpen: per chunk, d and e opened (own +
 * Σ canon(received)), then kernel "beavermac" leaves the shares of the chunk's products in slots 8
 * (value) and 9 (mac) for `take`; returns the opening's MAC residuals [x_m − a_m − k·d ‖ y_m − b_m − k·e].
 */
function beaverPass(
  own: FieldVec,
  received: readonly Uint8Array[],
  s: BeaverInputs,
  k: bigint,
  addsPublic: boolean,
  residualInto: FieldVec | undefined,
  take: (w: BigUint64Array, off: number, len: number) => void,
): FieldVec {
  const n = sameLength(s.xm, s.ym, s.av, s.am, s.bv, s.bm, s.cv, s.cm);
  if (own.length !== 2 * n) throw new RangeError(`opening of ${own.length} words for ${n} products`);
  checkShares(received, 2 * n);
  const residual = residualOf(2 * n, residualInto);
  // Slots (kernel "beavermac"): 0 d, 1 e, 2 xm, 3 am, 4 ym, 5 bm, 6 av, 7 bv, 8 cv, 9 cm; 10 a peer's raw words.
  const R = 10 * CHUNK;
  const w = scratch(11 * CHUNK);
  const bytes = new Uint8Array(w.buffer);
  const inputs = [s.xm, s.am, s.ym, s.bm, s.av, s.bv, s.cv, s.cm];
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    w.set(own.subarray(off, off + len), 0);
    w.set(own.subarray(n + off, n + off + len), CHUNK);
    for (const r of received) {
      bytes.set(r.subarray(off * 8, (off + len) * 8), R * 8);
      kernels.addcanon(0, R * 8, len);
      bytes.set(r.subarray((n + off) * 8, (n + off + len) * 8), R * 8);
      kernels.addcanon(CHUNK * 8, R * 8, len);
    }
    for (let i = 0; i < inputs.length; i++) w.set(inputs[i]!.subarray(off, off + len), (i + 2) * CHUNK);
    kernels.beavermac(0, CHUNK * 8, len, k, addsPublic ? 1 : 0);
    residual.set(w.subarray(2 * CHUNK, 2 * CHUNK + len), off);
    residual.set(w.subarray(4 * CHUNK, 4 * CHUNK + len), n + off);
    take(w, off, len);
  }
  return residual;
}

/** A sum of squares' inputs besides the opening: the MAC share of x and the square pair (a, a²). */
export interface SquareInputs {
  readonly xm: FieldVec;
  readonly av: FieldVec;
  readonly am: FieldVec;
  readonly aav: FieldVec;
  readonly aam: FieldVec;
}

/**
 * Σ x_i² from square pairs after the peers' shares of the opening d = x − a arrived, in one streamed
 * pass: d opened (own + Σ canon(received)), this party's share of the sum (x² = a² + 2·d·a + d²),
 * value Σa² + 2·Σd·a (+ Σd² if `addsPublic`) and mac Σa²_m + 2·Σd·a_m + k·Σd², and the opening's
 * residuals x_m − a_m − k·d. No per-element share leaves the cache.
 */
export function vsquareDotOpen(
  own: FieldVec,
  received: readonly Uint8Array[],
  s: SquareInputs,
  k: bigint,
  addsPublic: boolean,
  residualInto?: FieldVec,
): { value: bigint; mac: bigint; residual: FieldVec } {
  const n = sameLength(own, s.xm, s.av, s.am, s.aav, s.aam);
  checkShares(received, n);
  const residual = residualOf(n, residualInto);
  // Slots: 0 d, 1 xm (then the residual), 2 am, 3 av, 4 aav, 5 aam; 6 a peer's raw words.
  const [D, XM, AM, AV, AAV, AAM, R] = [0, 1, 2, 3, 4, 5, 6].map((i) => i * CHUNK * 8) as [number, number, number, number, number, number, number];
  const w = scratch(7 * CHUNK);
  const bytes = new Uint8Array(w.buffer);
  const inputs = [s.xm, s.am, s.av, s.aav, s.aam];
  let aa = 0n;
  let aam = 0n;
  let da = 0n;
  let dam = 0n;
  let dd = 0n;
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    w.set(own.subarray(off, off + len), 0);
    for (const r of received) {
      bytes.set(r.subarray(off * 8, (off + len) * 8), R);
      kernels.addcanon(D, R, len);
    }
    for (let i = 0; i < inputs.length; i++) w.set(inputs[i]!.subarray(off, off + len), (i + 1) * CHUNK);
    const word = (v: bigint) => BigInt.asUintN(64, v);
    aa = fadd(aa, word(kernels.sum(AAV, len)));
    aam = fadd(aam, word(kernels.sum(AAM, len)));
    da = fadd(da, word(kernels.dot(D, AV, len)));
    dam = fadd(dam, word(kernels.dot(D, AM, len)));
    dd = fadd(dd, word(kernels.dot(D, D, len)));
    kernels.sub(XM, AM, XM, len);
    kernels.macres(XM, D, k, len);
    residual.set(w.subarray(CHUNK, CHUNK + len), off);
  }
  const value = fadd(fadd(aa, fmul(2n, da)), addsPublic ? dd : 0n);
  const mac = fadd(fadd(aam, fmul(2n, dam)), fmul(k, dd));
  return { value, mac, residual };
}

/**
 * Σ red(r_j)·t_j for raw random words r (little-endian, 8 bytes per element of t), red as in
 * vfromRandomWords: vdot(vfromRandomWords(r), t) without the coefficient vector.
 */
export function vdotRandomWords(raw: Uint8Array, t: FieldVec): bigint {
  const n = t.length;
  if (raw.length !== n * 8) throw new RangeError(`${raw.length} random bytes for ${n} elements`);
  const w = scratch(2 * CHUNK);
  const bytes = new Uint8Array(w.buffer);
  let acc = 0n;
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    bytes.set(raw.subarray(off * 8, (off + len) * 8), 0);
    w.set(t.subarray(off, off + len), CHUNK);
    acc = fadd(acc, BigInt.asUintN(64, kernels.dotred(0, CHUNK * 8, len)));
  }
  return acc;
}

/** Uniform 64-bit words (from a PRG or the OS) to field elements. */
export function vfromRandomWords(words64: BigUint64Array): FieldVec {
  const n = words64.length;
  const w = scratch(n);
  w.set(words64, 0);
  kernels.reduce(0, n);
  return w.slice(0, n);
}

export function vrandom(n: number): FieldVec {
  const out = new BigUint64Array(n);
  randomFillSync(out);
  return vfromRandomWords(out);
}

export function vconst(n: number, c: bigint): FieldVec {
  return new BigUint64Array(n).fill(c);
}

export function fromBigInts(xs: readonly bigint[]): FieldVec {
  const out = new BigUint64Array(xs.length);
  xs.forEach((x, i) => {
    const r = x % P;
    out[i] = r < 0n ? r + P : r;
  });
  return out;
}

export const mulmod = (a: bigint, b: bigint): bigint => BigInt.asUintN(64, kernels.mulmod(a, b));

/**
 * Weighted group sums over interleaved data: o[t*s + k] = Σ_{l<g} a[(t*g + l)*s + k]·w[l]
 * (recombines g bitwise OT results into one field element, s elements per OT).
 */
export function vwsum(a: FieldVec, w: FieldVec, groups: number, g: number, s: number): FieldVec {
  if (a.length !== groups * g * s || w.length !== g) throw new RangeError('wsum shape mismatch');
  const outWords = groups * s;
  const mem = scratch(a.length + g + outWords);
  mem.set(a, 0);
  mem.set(w, a.length);
  const o = a.length + g;
  kernels.wsum(0, a.length * 8, o * 8, groups, g, s);
  return mem.slice(o, o + outWords);
}

/** o[t*s + k] = Σ_{l<g} 2^l·a[(t*g + l)*s + k]: vwsum with weights 2^l, by Horner's rule. */
export function vbitsum(a: FieldVec, groups: number, g: number, s: number): FieldVec {
  if (a.length !== groups * g * s) throw new RangeError('bitsum shape mismatch');
  const outWords = groups * s;
  const mem = scratch(a.length + outWords);
  mem.set(a, 0);
  kernels.bitsum(0, a.length * 8, groups, g, s);
  return mem.slice(a.length, a.length + outWords);
}

/**
 * Gilboa multiplication, OT-sender side (4 values per OT, T triples of g bits): from the raw random-OT
 * words v0, v1 (32 bytes per OT) and a (T×4), the correction d = red(v0) − red(v1) + a per OT and
 * this side's share −Σ_l 2^l·red(v0) per triple.
 */
export function gilboaSend(v0: Uint8Array, v1: Uint8Array, a: FieldVec, T: number, g: number): { d: FieldVec; share: FieldVec } {
  const m = T * g;
  if (v0.length !== m * 32 || v1.length !== m * 32 || a.length !== T * 4) throw new RangeError('gilboaSend shape mismatch');
  const d = new BigUint64Array(m * 4);
  const share = new BigUint64Array(T * 4);
  gilboaSendInto(a, T, g, (w0, w1) => {
    w0.set(v0);
    w1.set(v1);
  }, d, share);
  return { d, share };
}

/**
 * gilboaSend with the random-OT words written where the kernel reads them and the results written
 * into the caller's arrays: `produce(v0, v1)` must fill both views (m·32 bytes each, in this module's
 * linear memory; the OT extension's hash writes its outputs there) and must not call any other
 * function of this module (they share the same scratch memory). No copy of v0, v1 and no fresh
 * megabytes per batch: the copies of the OT outputs were about 9% of a triple.
 */
export function gilboaSendInto(a: FieldVec, T: number, g: number, produce: (v0: Uint8Array, v1: Uint8Array) => void, d: FieldVec, share: FieldVec): void {
  const m = T * g;
  if (a.length !== T * 4 || d.length !== m * 4 || share.length !== T * 4) throw new RangeError('gilboaSendInto shape mismatch');
  const dOff = 2 * m * 4 + T * 4;
  const sOff = dOff + m * 4;
  const w = scratch(sOff + T * 4);
  const mem = w.buffer;
  produce(new Uint8Array(mem, 0, m * 32), new Uint8Array(mem, m * 32, m * 32));
  if (kernels.memory.buffer !== mem) throw new Error('gilboaSendInto: linear memory moved while the OT outputs were written');
  w.set(a, 2 * m * 4);
  kernels.gsend(0, m * 32, 2 * m * 32, dOff * 8, sOff * 8, T, g);
  d.set(w.subarray(dOff, dOff + m * 4));
  share.set(w.subarray(sOff, sOff + T * 4));
}

/** Gilboa multiplication, OT-receiver side: Σ_l 2^l·(red(v) + c·d) per triple, c the packed choice bits. */
export function gilboaReceive(v: Uint8Array, choices: Uint8Array, d: Uint8Array, T: number, g: number): FieldVec {
  const m = T * g;
  if (v.length !== m * 32 || d.length !== m * 32 || choices.length < Math.ceil(m / 8)) throw new RangeError('gilboaReceive shape mismatch');
  const oOff = 2 * m * 4;
  const bitsByte = (oOff + T * 4) * 8;
  const w = scratch(oOff + T * 4 + Math.ceil(choices.length / 8));
  const bytes = new Uint8Array(w.buffer);
  bytes.set(v, 0);
  bytes.set(d, m * 32);
  bytes.set(choices, bitsByte);
  kernels.grecv(0, bitsByte, m * 32, oOff * 8, T, g);
  return w.slice(oOff, oOff + T * 4);
}

/** Random bytes for a vector of `n` words, written by a PRG straight into linear memory. */
export type WordSource = (dst: Uint8Array) => void;

/**
 * COPE, x-party (MASCOT Fig. 6), every bit l < g of the peer's key: from two PRG words per value,
 * the correction msg_l = red(t0_l) − red(t1_l) + x and this side's share −Σ_l 2^l·red(t0_l).
 */
export function copeSend(x: FieldVec, t0: readonly WordSource[], t1: readonly WordSource[]): { msg: Uint8Array; share: FieldVec } {
  const n = x.length;
  const g = t0.length;
  const X = 0;
  const T0 = n;
  const T1 = 2 * n;
  const ACC = 3 * n;
  const MSG = 4 * n;
  const w = scratch(MSG + g * n);
  w.set(x, X);
  w.fill(0n, ACC, ACC + n);
  const bytes = new Uint8Array(w.buffer);
  for (let l = 0; l < g; l++) {
    t0[l]!(bytes.subarray(T0 * 8, (T0 + n) * 8));
    t1[l]!(bytes.subarray(T1 * 8, (T1 + n) * 8));
    kernels.copex(T0 * 8, T1 * 8, X * 8, (MSG + l * n) * 8, ACC * 8, n, BigInt(l));
  }
  const msg = bytes.slice(MSG * 8, (MSG + g * n) * 8);
  w.fill(0n, X, X + n); // x is no longer needed: its place holds 0 for the negation
  kernels.sub(X * 8, ACC * 8, ACC * 8, n);
  return { msg, share: w.slice(ACC, ACC + n) };
}

/** COPE, Δ-party: Σ_l 2^l·(red(s_l) + Δ_l·u_l) from the received corrections u (raw words, canonicalised). */
export function copeReceive(u: Uint8Array, n: number, s: readonly WordSource[], deltaBits: readonly number[]): FieldVec {
  const g = s.length;
  if (u.length !== g * n * 8) throw new RangeError('copeReceive shape mismatch');
  const ACC = 0;
  const S = n;
  const U = 2 * n;
  const w = scratch(U + g * n);
  w.fill(0n, ACC, ACC + n);
  const bytes = new Uint8Array(w.buffer);
  bytes.set(u, U * 8);
  for (let l = 0; l < g; l++) {
    s[l]!(bytes.subarray(S * 8, (S + n) * 8));
    kernels.copeq(S * 8, (U + l * n) * 8, ACC * 8, n, BigInt(l), BigInt(deltaBits[l]!));
  }
  return w.slice(ACC, ACC + n);
}
