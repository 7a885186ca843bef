import { copeReceive, copeSend, gilboaReceive, gilboaSendInto } from '../field/vector';
import { FIELD_BITS } from '../field/reference';
import { prgFillAt, type PrgSpan } from './bits';
import { ReusedBuffer, foldColumns, into, otReceiverCore, otReceiverMatrix, otReceiverMatrixTo, otSenderCore, type ColumnSource, type OutputTarget } from './gf2';

/**
 * One chunk of a triple batch's arithmetic, as run by a worker of the kernel pool (pool.ts): a range
 * of rows of the OT extension (whole triples, 64-row aligned) or of elements of COPE. Inputs and
 * outputs are views on SharedArrayBuffers the party's thread laid out; PRG stretches are given by
 * where they start (PrgSpan) and computed here. Each function calls the same kernels as the
 * single-threaded path on the chunk's slice, so the results are bit for bit the same (tested).
 */

// Output buffers reused from job to job (a worker runs one job at a time; results are copied out):
// only for a chunk of padding rows, whose OT outputs nobody uses.
const SEND_OUT = [new ReusedBuffer(), new ReusedBuffer()] as const;

/** PRG spans in a compact, cloneable form: key ‖ iv per span, and its offset. */
export interface Spans {
  readonly keys: Uint8Array;
  readonly offsets: readonly number[];
}

export function packSpans(spans: readonly PrgSpan[]): Spans {
  const keys = new Uint8Array(spans.length * 32);
  spans.forEach((s, i) => {
    keys.set(s.key, 32 * i);
    keys.set(s.iv, 32 * i + 16);
  });
  return { keys, offsets: spans.map((s) => s.offset) };
}

function span(s: Spans, i: number): PrgSpan {
  return { key: s.keys.subarray(32 * i, 32 * i + 16), iv: s.keys.subarray(32 * i + 16, 32 * i + 32), offset: s.offsets[i]! };
}

/** Bytes [skip, skip + len) of each span's stream. */
function stripes(s: Spans, skip: number, len: number): Uint8Array[] {
  return s.offsets.map((_, i) => {
    const out = new Uint8Array(len);
    prgFillAt(span(s, i), skip, out);
    return out;
  });
}

/** Bytes [skip, skip + len) of each span's stream, written by the kernels where they want them (no arrays). */
function stripeSource(s: Spans, skip: number): ColumnSource {
  return { count: s.offsets.length, fill: (i, dst) => prgFillAt(span(s, i), skip, dst) };
}

/** Rows [r0, r1) of 128 columns of colBytes each, laid out column after column: the chunk's stripes. */
function columnStripes(cols: Uint8Array, colBytes: number, r0: number, r1: number): Uint8Array[] {
  return Array.from({ length: cols.length / colBytes }, (_, i) => cols.subarray(i * colBytes + r0 / 8, i * colBytes + r1 / 8));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The KOS check masks' stripes: mask c is bytes [c·colBytes, (c+1)·colBytes) of the mask stream. */
function maskFiller(masks: Spans, checks: number, colBytes: number, r0: number, r1: number) {
  const len = (r1 - r0) / 8;
  return (dst: Uint8Array) => {
    for (let c = 0; c < checks; c++) prgFillAt(span(masks, 0), c * colBytes + r0 / 8, dst.subarray(c * len, (c + 1) * len));
  };
}

/** A chunk of the OT extension: rows [r0, r1) of M, the first `rows` of them real OTs (the rest padding). */
export interface RowChunk {
  readonly r0: number;
  readonly r1: number;
  /** Real OTs in the chunk, FIELD_BITS per triple: rows [r0, r0 + rows). */
  readonly rows: number;
  /** The chunk's first triple. */
  readonly tri: number;
}

/**
 * How the 128 columns of an extension are made: IKNP/KOS (undefined: one PRG column per base OT, the
 * receiver's matrix has 128 columns) or SoftSpoken with these block sizes (softspoken.ts: the PRG
 * spans are the blocks' GGM leaves, the receiver's matrix has one column per block).
 */
export type Shape = readonly number[] | undefined;

/** Columns of the receiver's matrix message. */
export const messageColumns = (shape: Shape): number => shape?.length ?? 128;

/**
 * The sender's columns on rows [r0, r1): g (128 stripes) and the receiver's matrix spread over the
 * 128 columns (u, stripe after stripe), so that Q = g ⊕ Δ·u. SoftSpoken: g_i = w_i of the block
 * (`spans` holds each block's 2^s − 1 known leaves in the order y = x ⊕ α, y ≥ 1) and u_i = c_b.
 */
export function senderColumns(shape: Shape, spans: Spans, msg: Uint8Array, colBytes: number, r0: number, r1: number): { g: Uint8Array[]; u: Uint8Array } {
  const len = (r1 - r0) / 8;
  if (!shape) return { g: stripes(spans, r0 / 8, len), u: concat(columnStripes(msg, colBytes, r0, r1)) };
  const g: Uint8Array[] = [];
  const u = new Uint8Array(128 * len);
  let leaf = 0;
  let col = 0;
  shape.forEach((s, b) => {
    const first = leaf - 1; // leaf y of this block is span first + y, y ≥ 1
    const { out } = foldColumns(s, len, 1, (y, dst) => prgFillAt(span(spans, first + y), r0 / 8, dst));
    leaf += (1 << s) - 1;
    const c = msg.subarray(b * colBytes + r0 / 8, b * colBytes + r1 / 8);
    for (let i = 0; i < s; i++) {
      g.push(out[i]!);
      u.set(c, (col + i) * len);
    }
    col += s;
  });
  return { g, u };
}

/**
 * The receiver's columns on rows [r0, r1) for the choice stripe r: t (128 stripes, T of Q = T ⊕ r·Δ)
 * and the matrix message (messageColumns(shape) stripes). IKNP: spans t0 then t1 (one of each per
 * base OT), u_i = t0_i ⊕ t1_i ⊕ r. SoftSpoken: `spans` holds each block's 2^s leaves in leaf
 * order, t = v and the message is c_b = u_b ⊕ r.
 */
export function receiverColumns(shape: Shape, t0: Spans, t1: Spans, r: Uint8Array, r0: number, r1: number): { t: Uint8Array[]; msg: Uint8Array[] } {
  const len = (r1 - r0) / 8;
  if (!shape) {
    const t = stripes(t0, r0 / 8, len);
    const u = otReceiverMatrix(t, stripes(t1, r0 / 8, len), r, 0);
    return { t, msg: t.map((_, i) => u.subarray(i * len, (i + 1) * len)) };
  }
  const t: Uint8Array[] = [];
  const msg: Uint8Array[] = [];
  let leaf = 0;
  for (const s of shape) {
    const first = leaf;
    const { out, u } = foldColumns(s, len, 0, (x, dst) => prgFillAt(span(t0, first + x), r0 / 8, dst), r);
    leaf += 1 << s;
    t.push(...out);
    msg.push(u);
  }
  return { t, msg };
}

export interface GilboaSendJob extends RowChunk {
  readonly shape?: Shape;
  readonly g: Spans; // the sender's PRG spans of this extension (IKNP: 128 columns; SoftSpoken: the known leaves)
  readonly u: Uint8Array; // the receiver's matrix, messageColumns(shape) columns of colBytes
  readonly colBytes: number;
  readonly delta: Uint8Array;
  readonly masks: Spans;
  readonly checks: number;
  readonly tweakBase: number;
  readonly a: BigUint64Array; // TAU values of a per triple
  readonly d: BigUint64Array; // out: 4 words per OT
  readonly share: BigUint64Array; // out: 4 words per triple
}

/** OT-extension sender rows [r0, r1) and Gilboa's sender side on their triples; returns the chunk's KOS parities. */
export function gilboaSendChunk(j: GilboaSendJob): Uint8Array {
  // KOS: the PRG stripes and the receiver's matrix go straight into the kernels' memory.
  const { g, u } = j.shape
    ? senderColumns(j.shape, j.g, j.u, j.colBytes, j.r0, j.r1)
    : { g: stripeSource(j.g, j.r0 / 8), u: { count: 128, fill: (i: number, dst: Uint8Array) => dst.set(j.u.subarray(i * j.colBytes + j.r0 / 8, i * j.colBytes + j.r1 / 8)) } };
  const core = (out: readonly [OutputTarget, OutputTarget]) =>
    otSenderCore(g, u, j.delta, maskFiller(j.masks, j.checks, j.colBytes, j.r0, j.r1), j.checks, j.r1 - j.r0, j.rows, 2, j.tweakBase + j.r0, out).parities;
  const T = j.rows / FIELD_BITS;
  if (T === 0) return core(SEND_OUT);
  // The hash writes v0, v1 straight into the field kernels' memory, where Gilboa reads them; d and
  // the shares go straight into the shared outputs.
  let parities: Uint8Array | undefined;
  gilboaSendInto(j.a.subarray(4 * j.tri, 4 * (j.tri + T)), T, FIELD_BITS, (v0, v1) => {
    parities = core([into(v0), into(v1)]);
  }, j.d.subarray(4 * j.r0, 4 * (j.r0 + j.rows)), j.share.subarray(4 * j.tri, 4 * (j.tri + T)));
  return parities!;
}

export interface MatrixJob {
  readonly r0: number;
  readonly r1: number;
  readonly shape?: Shape;
  readonly t0: Spans; // the receiver's PRG spans: IKNP both keys of each base OT (t0, t1); SoftSpoken every leaf (t0; t1 empty)
  readonly t1: Spans;
  readonly r: Uint8Array; // choice column, colBytes
  readonly colBytes: number;
  readonly u: Uint8Array; // out: the matrix message, messageColumns(shape) columns of colBytes
  readonly t0Out: Uint8Array; // out: T's 128 columns, kept for the receiver's core
}

/** OT-extension receiver rows [r0, r1): the matrix message and T's columns (kept for later). */
export function matrixChunk(j: MatrixJob): void {
  if (!j.shape) {
    // KOS: the PRG stripes straight into the kernels' memory, the results straight into the shared outputs.
    otReceiverMatrixTo(stripeSource(j.t0, j.r0 / 8), stripeSource(j.t1, j.r0 / 8), j.r.subarray(j.r0 / 8, j.r1 / 8), (i, t, u) => {
      j.u.set(u, i * j.colBytes + j.r0 / 8);
      j.t0Out.set(t, i * j.colBytes + j.r0 / 8);
    });
    return;
  }
  const { t, msg } = receiverColumns(j.shape, j.t0, j.t1, j.r.subarray(j.r0 / 8, j.r1 / 8), j.r0, j.r1);
  msg.forEach((col, i) => j.u.set(col, i * j.colBytes + j.r0 / 8));
  t.forEach((col, i) => j.t0Out.set(col, i * j.colBytes + j.r0 / 8));
}

export interface ReceiverJob extends RowChunk {
  readonly t0: Uint8Array; // t0's columns (matrixChunk's t0Out)
  readonly r: Uint8Array;
  readonly colBytes: number;
  readonly masks: Spans;
  readonly checks: number;
  readonly tweakBase: number;
  readonly v: Uint8Array; // out: 32 bytes per OT
}

/** OT-extension receiver core on rows [r0, r1): the chunk's check parities (of r, then of t0) and its OT outputs. */
export function receiverChunk(j: ReceiverJob): { x: Uint8Array; parities: Uint8Array } {
  // The hash writes the OT outputs straight into the shared buffer Gilboa's chunks read.
  const { x, parities } = otReceiverCore(
    columnStripes(j.t0, j.colBytes, j.r0, j.r1), j.r.subarray(j.r0 / 8, j.r1 / 8), maskFiller(j.masks, j.checks, j.colBytes, j.r0, j.r1),
    j.checks, j.r1 - j.r0, j.rows, 2, j.tweakBase + j.r0, into(j.v.subarray(32 * j.r0, 32 * (j.r0 + j.rows))),
  );
  return { x, parities };
}

export interface GilboaReceiveJob extends RowChunk {
  readonly v: Uint8Array;
  readonly bits: Uint8Array; // choice bits, bit t·FIELD_BITS + l = bit l of b_t
  readonly d: Uint8Array; // the sender's corrections, 32 bytes per OT
  readonly out: BigUint64Array; // 4 words per triple
}

/** Gilboa's receiver side on the chunk's triples. */
export function gilboaReceiveChunk(j: GilboaReceiveJob): void {
  const T = j.rows / FIELD_BITS;
  if (T === 0) return;
  const out = gilboaReceive(j.v.subarray(32 * j.r0, 32 * (j.r0 + j.rows)), j.bits.subarray(j.r0 / 8), j.d.subarray(32 * j.r0, 32 * (j.r0 + j.rows)), T, FIELD_BITS);
  j.out.set(out, 4 * j.tri);
}

/** A chunk of COPE: elements [e0, e1) of n, every one of the FIELD_BITS layers. */
export interface CopeChunk {
  readonly n: number;
  readonly e0: number;
  readonly e1: number;
}

export interface CopeSendJob extends CopeChunk {
  readonly x: BigUint64Array;
  readonly s0: Spans; // one stream per layer, at this extension's start
  readonly s1: Spans;
  readonly msg: BigUint64Array; // out: layer l at [l·n, (l+1)·n)
  readonly share: BigUint64Array; // out
}

const fillerAt = (s: Spans, l: number, skip: number) => (dst: Uint8Array) => prgFillAt(span(s, l), skip, dst);

export function copeSendChunk(j: CopeSendJob): void {
  const nc = j.e1 - j.e0;
  const layers = j.s0.offsets.length;
  const t0 = Array.from({ length: layers }, (_, l) => fillerAt(j.s0, l, 8 * j.e0));
  const t1 = Array.from({ length: layers }, (_, l) => fillerAt(j.s1, l, 8 * j.e0));
  const { msg, share } = copeSend(j.x.subarray(j.e0, j.e1), t0, t1);
  const words = new BigUint64Array(msg.buffer, msg.byteOffset, layers * nc);
  for (let l = 0; l < layers; l++) j.msg.set(words.subarray(l * nc, (l + 1) * nc), l * j.n + j.e0);
  j.share.set(share, j.e0);
}

export interface CopeReceiveJob extends CopeChunk {
  readonly u: BigUint64Array; // the corrections, layer l at [l·n, (l+1)·n)
  readonly s: Spans;
  readonly deltaBits: readonly number[];
  readonly share: BigUint64Array; // out
}

export function copeReceiveChunk(j: CopeReceiveJob): void {
  const nc = j.e1 - j.e0;
  const layers = j.s.offsets.length;
  const u = new BigUint64Array(layers * nc);
  for (let l = 0; l < layers; l++) u.set(j.u.subarray(l * j.n + j.e0, l * j.n + j.e1), l * nc);
  const s = Array.from({ length: layers }, (_, l) => fillerAt(j.s, l, 8 * j.e0));
  j.share.set(copeReceive(new Uint8Array(u.buffer), nc, s, j.deltaBits), j.e0);
}

export const JOBS = {
  gilboaSend: gilboaSendChunk,
  matrix: matrixChunk,
  receiver: receiverChunk,
  gilboaReceive: gilboaReceiveChunk,
  copeSend: copeSendChunk,
  copeReceive: copeReceiveChunk,
} as const;
export type JobKind = keyof typeof JOBS;
export type JobOf<K extends JobKind> = Parameters<(typeof JOBS)[K]>[0];
export type ResultOf<K extends JobKind> = ReturnType<(typeof JOBS)[K]>;

/** Splits T triples into chunks of whole 64-triple groups (61·64 rows: a multiple of 64), about `pieces` of them. */
export function rowChunks(T: number, m: number, M: number, pieces: number): RowChunk[] {
  const per = Math.max(64, Math.ceil(T / pieces / 64) * 64);
  const out: RowChunk[] = [];
  for (let t0 = 0; t0 < T; t0 += per) {
    const t1 = Math.min(T, t0 + per);
    out.push({ r0: t0 * FIELD_BITS, r1: t1 === T ? M : t1 * FIELD_BITS, rows: (t1 - t0) * FIELD_BITS, tri: t0 });
  }
  if (out.length === 0) out.push({ r0: 0, r1: M, rows: m, tri: 0 });
  return out;
}

/** Splits n elements into about `pieces` ranges. */
export function elementChunks(n: number, pieces: number): CopeChunk[] {
  const per = Math.max(256, Math.ceil(n / pieces));
  const out: CopeChunk[] = [];
  for (let e0 = 0; e0 < n; e0 += per) out.push({ n, e0, e1: Math.min(n, e0 + per) });
  return out;
}
