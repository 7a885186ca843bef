import { ProtocolViolationError } from '../errors';
import type { FieldVec } from '../field/vector';
import { copeReceive, copeSend } from '../field/vector';
import { FIELD_BITS } from '../field/reference';
import type { Transport } from '../transport/transport';
import type { PrgStream } from './bits';

/**
 * Correlated oblivious product evaluation (MASCOT, Keller–Orsini–Scholl 2016, Fig. 6): the x-party
 * and the Δ-party get additive shares of x·Δ for every element of x, where Δ = α_j is the Δ-party's
 * MAC-key share, fixed once. Seeds come from FIELD_BITS random OTs in which the Δ-party chose the
 * bits of Δ; each extension then costs FIELD_BITS field elements per value and no public-key work.
 */
export class CopeX {
  constructor(
    readonly peer: number,
    readonly streams: Array<[PrgStream, PrgStream]>,
  ) {}

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
}

export class CopeDelta {
  constructor(
    readonly peer: number,
    readonly deltaBits: readonly number[],
    readonly streams: PrgStream[],
  ) {}

  async extend(t: Transport, n: number): Promise<FieldVec> {
    const bytes = await t.receive(this.peer);
    if (bytes.length !== FIELD_BITS * n * 8) throw new ProtocolViolationError(`COPE: bad correction from ${this.peer}`, this.peer);
    return copeReceive(bytes, n, this.streams.map((s) => (dst: Uint8Array) => s.fill(dst)), this.deltaBits);
  }
}
