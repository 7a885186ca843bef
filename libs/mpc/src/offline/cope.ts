import { ProtocolViolationError } from '../errors';
import type { FieldVec } from '../field/vector';
import { copeReceive, copeSend } from '../field/vector';
import { FIELD_BITS } from '../field/reference';
import type { Transport } from '../transport/transport';
import type { PrgStream } from './bits';
import { elementChunks, packSpans } from './parallel';
import type { KernelPool } from './pool';
import { SharedScratch } from './shared-scratch';

/**
 * Correlated oblivious product evaluation (MASCOT, Keller–Orsini–Scholl 2016, Fig. 6): the x-party
 * and the Δ-party get additive shares of x·Δ for every element of x, where Δ = α_j is the Δ-party's
 * MAC-key share, fixed once. Seeds come from FIELD_BITS random OTs in which the Δ-party chose the
 * bits of Δ; each extension then costs FIELD_BITS field elements per value and no public-key work.
 */
export class CopeX {
  readonly #scratch = new SharedScratch();

  constructor(
    readonly peer: number,
    readonly streams: Array<[PrgStream, PrgStream]>,
  ) {}

  /** Drops the buffers reused from batch to batch (the views handed out stay valid). */
  releaseBuffers(): void {
    this.#scratch.release();
  }

  get heldBytes(): number {
    return this.#scratch.heldBytes;
  }

  /** Sends the correction and returns this party's share t, with t + q = Δ·x. */
  extend(t: Transport, x: FieldVec): FieldVec {
    const { msg, share } = copeSend(
      x,
      this.streams.map(([s0]) => (dst: Uint8Array) => s0.fill(dst)),
      this.streams.map(([, s1]) => (dst: Uint8Array) => s1.fill(dst)),
    );
    t.send(this.peer, msg);
    return share;
  }

  /** extend() with the elements split into chunks on the kernel pool: the same message (tested). */
  async extendPooled(t: Transport, pool: KernelPool, x: FieldVec): Promise<FieldVec> {
    const n = x.length;
    const xs = this.#scratch.words('x', n);
    xs.set(x);
    const s0 = packSpans(this.streams.map(([st]) => st.skip(8 * n)));
    const s1 = packSpans(this.streams.map(([, st]) => st.skip(8 * n)));
    const msg = this.#scratch.words('msg', FIELD_BITS * n);
    const share = this.#scratch.words('share', n);
    await pool.run('copeSend', elementChunks(n, 2 * pool.size).map((c) => ({ ...c, x: xs, s0, s1, msg, share })));
    t.send(this.peer, new Uint8Array(msg.buffer, 0, msg.byteLength).slice());
    return share.slice();
  }
}

export class CopeDelta {
  readonly #scratch = new SharedScratch();

  constructor(
    readonly peer: number,
    readonly deltaBits: readonly number[],
    readonly streams: PrgStream[],
  ) {}

  /** Drops the buffers reused from batch to batch (the views handed out stay valid). */
  releaseBuffers(): void {
    this.#scratch.release();
  }

  get heldBytes(): number {
    return this.#scratch.heldBytes;
  }

  async extend(t: Transport, n: number): Promise<FieldVec> {
    const bytes = await t.receive(this.peer);
    if (bytes.length !== FIELD_BITS * n * 8) throw new ProtocolViolationError(`COPE: bad correction from ${this.peer}`, this.peer);
    return copeReceive(bytes, n, this.streams.map((s) => (dst: Uint8Array) => s.fill(dst)), this.deltaBits);
  }

  /** extend() with the elements split into chunks on the kernel pool (tested against it). */
  async extendPooled(t: Transport, pool: KernelPool, n: number): Promise<FieldVec> {
    const bytes = await t.receive(this.peer);
    if (bytes.length !== FIELD_BITS * n * 8) throw new ProtocolViolationError(`COPE: bad correction from ${this.peer}`, this.peer);
    const u = this.#scratch.words('u', FIELD_BITS * n);
    new Uint8Array(u.buffer, 0, u.byteLength).set(bytes);
    const s = packSpans(this.streams.map((st) => st.skip(8 * n)));
    const share = this.#scratch.words('share', n);
    await pool.run('copeReceive', elementChunks(n, 2 * pool.size).map((c) => ({ ...c, u, s, deltaBits: this.deltaBits, share })));
    return share.slice();
  }
}
