import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError, OtCheckFailedError, ProtocolViolationError } from '../errors';
import type { Transport } from '../transport/transport';
import { baseOtReceive, baseOtSend } from './base-ot';
import { PrgStream, aligned, getBit } from './bits';
import { ReusedBuffer, into, otReceiverCore, otReceiverMatrix, otSenderCore, type OutputTarget } from './gf2';
import { gilboaSendInto, type FieldVec } from '../field/vector';
import { FIELD_BITS } from '../field/reference';
import { messageColumns, packSpans, receiverColumns, rowChunks, senderColumns, type Shape } from './parallel';
import { blockSizes, softSpokenReceiverSetup, softSpokenSenderSetup } from './softspoken';
import type { KernelPool } from './pool';
import { SharedScratch, xorAll } from './shared-scratch';

/**
 * Oblivious-transfer extension between one sender and one receiver (κ = 128 base OTs, with roles
 * reversed): IKNP (a PRG column per base-OT key, the receiver sends 128 columns) or SoftSpoken
 * (softspoken.ts: subspace VOLE over GF(2^k) from punctured GGM trees, the receiver sends ⌈128/k⌉
 * columns), which give the same correlation Q = T ⊕ r·Δ. The receiver's consistency is checked
 * KOS-style on Q either way: after the matrix is sent, a jointly chosen set of CHECKS random GF(2)
 * linear combinations of the rows (columns in bit form) must satisfy q = t ⊕ x·Δ; an inconsistent
 * choice bit escapes each check with probability 1/2. PAD random choice bits hide the revealed
 * parities x of the real choice bits.
 */
export const KAPPA = 128;
const CHECKS = 40; // an inconsistent row escapes all checks with probability 2^-40
const PAD = 128;

function paddedLength(m: number): number {
  return Math.ceil((m + PAD) / 64) * 64;
}

/** The stream of the CHECKS random M-bit masks, from both parties' seeds. */
function checkMasks(seedR: Uint8Array, seedS: Uint8Array): PrgStream {
  const seed = createHash('sha256').update('datawell/ot-ext-check').update(seedR).update(seedS).digest();
  return new PrgStream(seed, 'masks');
}

/** Which OT extension a pair runs; both ends must agree (a mismatch fails on the first message's length). */
export type OtExtensionChoice = { readonly kind: 'kos' } | { readonly kind: 'softspoken'; readonly k: number };

/** SoftSpoken's block size when a setting names SoftSpoken without one: as cheap as KOS in CPU here, half its bytes. */
export const DEFAULT_SOFTSPOKEN_K = 2;

/**
 * Reads an OT-extension setting: `kos`, `softspoken` (k = DEFAULT_SOFTSPOKEN_K) or `softspoken:<k>`
 * with k an integer in 1..10; empty or absent means KOS, the default. Anything else is an
 * InvalidArgumentError naming what is accepted (a node turns it into its configuration error).
 */
export function parseOtExtensionChoice(text: string | undefined): OtExtensionChoice {
  const v = (text ?? '').trim().toLowerCase();
  if (v === '' || v === 'kos') return { kind: 'kos' };
  if (v === 'softspoken') return { kind: 'softspoken', k: DEFAULT_SOFTSPOKEN_K };
  const m = /^softspoken:(\d{1,2})$/.exec(v);
  const k = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(k) || k < 1 || k > 10) {
    throw new InvalidArgumentError(`OT extension must be 'kos', 'softspoken' or 'softspoken:<k>' with k in 1..10, got '${text ?? ''}'`);
  }
  return { kind: 'softspoken', k };
}

const shapeOf = (ot: OtExtensionChoice): Shape => (ot.kind === 'softspoken' ? blockSizes(ot.k, KAPPA) : undefined);

/** The OT-extension sender: learns two random messages per OT, v0 = H(q) and v1 = H(q ⊕ Δ). */
export class OtExtSender {
  #counter = 0;
  readonly #out = [new ReusedBuffer(), new ReusedBuffer()] as const;
  readonly #scratch = new SharedScratch();

  private constructor(
    readonly peer: number,
    readonly delta: Uint32Array,
    /** IKNP: one stream per base OT; SoftSpoken: every block's known leaves (softSpokenSenderSetup's order). */
    readonly streams: PrgStream[],
    readonly shape: Shape,
  ) {}

  /** Drops the buffers reused from batch to batch (MascotParty: after each call, so none are kept at rest). */
  releaseBuffers(): void {
    for (const o of this.#out) o.release();
    this.#scratch.release();
  }

  /** Bytes of the buffers kept for the next batch. */
  get heldBytes(): number {
    return this.#out[0].heldBytes + this.#out[1].heldBytes + this.#scratch.heldBytes;
  }

  static async setup(t: Transport, peer: number, ot: OtExtensionChoice = { kind: 'kos' }): Promise<OtExtSender> {
    const deltaBytes = randomBytes(16);
    const delta = new Uint32Array(aligned(deltaBytes));
    const shape = shapeOf(ot);
    if (shape) {
      // SoftSpoken: the base OT's choice is ¬Δ_i, which opens the GGM level sum off α's path.
      const keys = await baseOtReceive(t, peer, Array.from({ length: KAPPA }, (_, i) => getBit(deltaBytes, i) === 0));
      const leaves = await softSpokenSenderSetup(t, peer, keys, deltaBytes, shape);
      return new OtExtSender(peer, delta, leaves.flat().map((l) => new PrgStream(l, 'softspoken')), shape);
    }
    const choices = Array.from({ length: KAPPA }, (_, i) => getBit(deltaBytes, i) === 1);
    const keys = await baseOtReceive(t, peer, choices);
    return new OtExtSender(peer, delta, keys.map((k) => new PrgStream(k, 'ot-ext')), undefined);
  }

  /** Runs `m` random OTs; returns v0 and v1 of `blocks` 16-byte blocks per OT, valid until the next call. */
  async extend(t: Transport, m: number, blocks: number): Promise<{ v0: Buffer; v1: Buffer }> {
    const core = await this.#core(t, m, blocks);
    // Everything is computed before waiting for the check; outputs are released only after it passes.
    const { parities, v0, v1 } = core(this.#out);
    await this.#verify(t, parities, new Uint8Array(this.delta.buffer));
    return { v0, v1 };
  }

  /**
   * Gilboa's sender side over `T·FIELD_BITS` fresh random OTs in this thread: the same messages as
   * extend() followed by gilboaSend (tested), with the OT outputs hashed straight into the field
   * kernels' memory where Gilboa reads them (no copy of them). Returns the corrections to send and
   * this side's shares, only after the receiver's check passed.
   */
  async gilboaLocal(t: Transport, a: FieldVec, T: number): Promise<{ d: FieldVec; share: FieldVec }> {
    const m = T * FIELD_BITS;
    const core = await this.#core(t, m, 2);
    const d = new BigUint64Array(m * 4);
    const share = new BigUint64Array(T * 4);
    let parities: Uint8Array | undefined;
    // Synchronous from start to end: no other party of this thread touches the field kernels' memory meanwhile.
    gilboaSendInto(a, T, FIELD_BITS, (v0, v1) => {
      parities = core([into(v0), into(v1)]).parities;
    }, d, share);
    await this.#verify(t, parities!, new Uint8Array(this.delta.buffer));
    return { d, share };
  }

  /** Receives the matrix (answering with this side's check seed) and returns the synchronous core of the extension of m OTs. */
  async #core(t: Transport, m: number, blocks: number): Promise<<B extends Uint8Array>(out: readonly [OutputTarget<B>, OutputTarget<B>]) => { parities: Uint8Array; v0: B; v1: B }> {
    const M = paddedLength(m);
    const colBytes = M / 8;
    const { msg, seedR, seedS } = await this.#receiveMatrix(t, colBytes);
    const { g, u } = this.shape
      ? senderColumns(this.shape, packSpans(this.streams.map((st) => st.skip(colBytes))), msg, colBytes, 0, M)
      : { g: { count: KAPPA, fill: (i: number, dst: Uint8Array) => this.streams[i]!.fill(dst) }, u: msg.subarray(0, KAPPA * colBytes) };
    const deltaBytes = new Uint8Array(this.delta.buffer);
    const base = this.#counter;
    this.#counter += m;
    return (out) => otSenderCore(g, u, deltaBytes, (d) => checkMasks(seedR, seedS).fill(d), CHECKS, M, m, blocks, base, out);
  }

  /** The receiver's masked matrix and seed; answers with this side's seed of the consistency check. */
  async #receiveMatrix(t: Transport, colBytes: number): Promise<{ msg: Uint8Array; seedR: Uint8Array; seedS: Buffer }> {
    const msg = await t.receive(this.peer);
    const cols = messageColumns(this.shape);
    if (msg.length !== cols * colBytes + 32) throw new ProtocolViolationError(`OT extension: bad matrix from ${this.peer}`, this.peer);
    const seedS = randomBytes(32);
    t.send(this.peer, seedS);
    return { msg, seedR: msg.subarray(cols * colBytes), seedS };
  }

  /** Receives the KOS check values and compares them with this side's parities of Q. */
  async #verify(t: Transport, qPar: Uint8Array, deltaBytes: Uint8Array): Promise<void> {
    const check = await t.receive(this.peer);
    if (check.length !== CHECKS + CHECKS * KAPPA) throw new ProtocolViolationError(`OT extension: bad check from ${this.peer}`, this.peer);
    for (let c = 0; c < CHECKS; c++) {
      const x = check[c]! & 1;
      for (let i = 0; i < KAPPA; i++) {
        if (qPar[c * KAPPA + i] !== ((check[CHECKS + c * KAPPA + i]! & 1) ^ (x & getBit(deltaBytes, i)))) {
          throw new OtCheckFailedError(`OT extension consistency check ${c} failed: party ${this.peer} used inconsistent choice bits`, this.peer);
        }
      }
    }
  }

  /**
   * Gilboa's sender side over `T·FIELD_BITS` fresh random OTs, the work split into chunks of whole
   * triples on the kernel pool: the same messages as extend() followed by gilboaSend (tested). Returns
   * the corrections to send and this side's shares, only after the receiver's check passed.
   */
  async gilboa(t: Transport, pool: KernelPool, a: FieldVec, T: number): Promise<{ d: Uint8Array; share: FieldVec }> {
    const m = T * FIELD_BITS;
    const M = paddedLength(m);
    const colBytes = M / 8;
    const { msg, seedR, seedS } = await this.#receiveMatrix(t, colBytes);
    const g = packSpans(this.streams.map((st) => st.skip(colBytes)));
    const masks = packSpans([checkMasks(seedR, seedS).skip(CHECKS * colBytes)]);
    const deltaBytes = new Uint8Array(this.delta.buffer);
    const base = this.#counter;
    this.#counter += m;
    const u = this.#scratch.bytes('u', messageColumns(this.shape) * colBytes);
    u.set(msg.subarray(0, u.length));
    const aS = this.#scratch.words('a', T * 4);
    aS.set(a);
    const d = this.#scratch.words('d', m * 4);
    const share = this.#scratch.words('share', T * 4);
    const chunks = rowChunks(T, m, M, 2 * pool.size);
    const parts = await pool.run('gilboaSend', chunks.map((c) => ({ ...c, shape: this.shape, g, u, colBytes, delta: deltaBytes, masks, checks: CHECKS, tweakBase: base, a: aS, d, share })));
    await this.#verify(t, xorAll(parts), deltaBytes);
    return { d: new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice(), share: share.slice() };
  }
}

/** The OT-extension receiver: learns v_c = H(t) for its choice bit c of each OT. */
export class OtExtReceiver {
  #counter = 0;
  readonly #out = new ReusedBuffer();
  readonly #scratch = new SharedScratch();

  private constructor(
    readonly peer: number,
    /** IKNP: the streams of both keys of each base OT; SoftSpoken: every block's leaves in leaf order (t1 empty). */
    readonly t0: PrgStream[],
    readonly t1: PrgStream[],
    readonly shape: Shape,
  ) {}

  /** Drops the buffers reused from batch to batch. */
  releaseBuffers(): void {
    this.#out.release();
    this.#scratch.release();
  }

  /** Bytes of the buffers kept for the next batch. */
  get heldBytes(): number {
    return this.#out.heldBytes + this.#scratch.heldBytes;
  }

  static async setup(t: Transport, peer: number, ot: OtExtensionChoice = { kind: 'kos' }): Promise<OtExtReceiver> {
    const keys = await baseOtSend(t, peer, KAPPA);
    const shape = shapeOf(ot);
    if (shape) {
      const leaves = softSpokenReceiverSetup(t, peer, keys, shape);
      return new OtExtReceiver(peer, leaves.flat().map((l) => new PrgStream(l, 'softspoken')), [], shape);
    }
    return new OtExtReceiver(peer, keys.map(([k0]) => new PrgStream(k0, 'ot-ext')), keys.map(([, k1]) => new PrgStream(k1, 'ot-ext')), undefined);
  }

  /** Runs `m` random OTs with choice bits `choices` (bit j of the packed bytes); the result is valid until the next call. */
  async extend(t: Transport, choices: Uint8Array, m: number, blocks: number): Promise<Buffer> {
    const M = paddedLength(m);
    const colBytes = M / 8;
    const r = choiceColumn(choices, m, colBytes);
    let t0: Uint8Array[];
    let msg: Uint8Array;
    if (this.shape) {
      const cols = receiverColumns(this.shape, packSpans(this.t0.map((s) => s.skip(colBytes))), packSpans([]), r, 0, M);
      t0 = cols.t;
      msg = new Uint8Array(cols.msg.length * colBytes + 32);
      cols.msg.forEach((c, i) => msg.set(c, i * colBytes));
    } else {
      t0 = this.t0.map((s) => s.next(colBytes));
      msg = otReceiverMatrix(t0, { count: KAPPA, fill: (i, dst) => this.t1[i]!.fill(dst) }, r, 32);
    }
    const cols = messageColumns(this.shape);
    const seedR = randomBytes(32);
    msg.set(seedR, cols * colBytes);
    t.send(this.peer, msg);
    const seedS = await t.receive(this.peer);
    if (seedS.length !== 32) throw new ProtocolViolationError(`OT extension: bad seed from ${this.peer}`, this.peer);
    const base = this.#counter;
    this.#counter += m;
    const { x, parities: tPar, v } = otReceiverCore(t0, r, (d) => checkMasks(seedR, seedS).fill(d), CHECKS, M, m, blocks, base, this.#out);
    const check = new Uint8Array(CHECKS + CHECKS * KAPPA);
    check.set(x, 0);
    check.set(tPar, CHECKS);
    t.send(this.peer, check);
    return v;
  }

  /**
   * Gilboa's receiver side over `T·FIELD_BITS` random OTs with choice bits `bits`, split into chunks
   * of whole triples on the kernel pool: the same messages as extend() (tested), then the sender's
   * corrections are received and combined. Returns this side's shares, 4 words per triple.
   */
  async gilboa(t: Transport, pool: KernelPool, bits: Uint8Array, T: number): Promise<FieldVec> {
    const m = T * FIELD_BITS;
    const M = paddedLength(m);
    const colBytes = M / 8;
    const r = this.#scratch.bytes('r', colBytes);
    r.set(choiceColumn(bits, m, colBytes));
    const t0 = packSpans(this.t0.map((s) => s.skip(colBytes)));
    const t1 = packSpans(this.t1.map((s) => s.skip(colBytes)));
    const cols = messageColumns(this.shape);
    const u = this.#scratch.bytes('u', cols * colBytes);
    const t0Out = this.#scratch.bytes('t0', KAPPA * colBytes);
    const chunks = rowChunks(T, m, M, 2 * pool.size);
    await pool.run('matrix', chunks.map((c) => ({ r0: c.r0, r1: c.r1, shape: this.shape, t0, t1, r, colBytes, u, t0Out })));
    const msg = new Uint8Array(cols * colBytes + 32);
    msg.set(u);
    const seedR = randomBytes(32);
    msg.set(seedR, cols * colBytes);
    t.send(this.peer, msg);
    const seedS = await t.receive(this.peer);
    if (seedS.length !== 32) throw new ProtocolViolationError(`OT extension: bad seed from ${this.peer}`, this.peer);
    const base = this.#counter;
    this.#counter += m;
    const masks = packSpans([checkMasks(seedR, seedS).skip(CHECKS * colBytes)]);
    const v = this.#scratch.bytes('v', m * 32);
    const parts = await pool.run('receiver', chunks.map((c) => ({ ...c, t0: t0Out, r, colBytes, masks, checks: CHECKS, tweakBase: base, v })));
    const check = new Uint8Array(CHECKS + CHECKS * KAPPA);
    check.set(xorAll(parts.map((p) => p.x)), 0);
    check.set(xorAll(parts.map((p) => p.parities)), CHECKS);
    t.send(this.peer, check);
    const dMsg = await t.receive(this.peer);
    if (dMsg.length !== m * 4 * 8) throw new ProtocolViolationError(`Gilboa: bad correction from ${this.peer}`, this.peer);
    const d = this.#scratch.bytes('d', m * 32);
    d.set(dMsg);
    const choice = this.#scratch.bytes('bits', Math.ceil(m / 8) + 8);
    choice.set(bits.subarray(0, Math.ceil(m / 8)));
    const out = this.#scratch.words('out', T * 4);
    await pool.run('gilboaReceive', chunks.map((c) => ({ ...c, v, bits: choice, d, out })));
    return out.slice();
  }
}

/** The receiver's choice column of M bits: the m choice bits, then random padding. */
function choiceColumn(choices: Uint8Array, m: number, colBytes: number): Uint8Array {
  const r = new Uint8Array(colBytes);
  randomBytes(colBytes - Math.floor(m / 8)).copy(Buffer.from(r.buffer), Math.floor(m / 8));
  r.set(choices.subarray(0, Math.floor(m / 8)));
  for (let j = Math.floor(m / 8) * 8; j < m; j++) {
    r[j >> 3] = (r[j >> 3]! & ~(1 << (j & 7))) | (getBit(choices, j) << (j & 7));
  }
  return r;
}
