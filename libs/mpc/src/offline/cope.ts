import { ProtocolViolationError } from '../errors';
import type { FieldVec } from '../field/vector';
import { vadd, vaxpy, vcanon, vconst, vfromRandomWords, vsub } from '../field/vector';
import { vecBytes } from '../field/concat';
import { FIELD_BITS, P } from '../field/reference';
import type { Transport } from '../transport/transport';
import { PrgStream, aligned } from './bits';

/**
 * Correlated oblivious product evaluation (MASCOT, Keller–Orsini–Scholl 2016, Fig. 6): the x-party
 * and the Δ-party get additive shares of x·Δ for every element of x, where Δ = α_j is the Δ-party's
 * MAC-key share, fixed once. Seeds come from FIELD_BITS random OTs in which the Δ-party chose the
 * bits of Δ; each extension then costs FIELD_BITS field elements per value and no public-key work.
 */
const POW2: bigint[] = Array.from({ length: FIELD_BITS }, (_, l) => (1n << BigInt(l)) % P);

function fieldStream(s: PrgStream, n: number): FieldVec {
  return vfromRandomWords(new BigUint64Array(aligned(s.next(n * 8))));
}

export class CopeX {
  constructor(
    readonly peer: number,
    readonly streams: Array<[PrgStream, PrgStream]>,
  ) {}

  /** Sends the correction and returns this party's share t, with t + q = Δ·x. */
  extend(t: Transport, x: FieldVec): FieldVec {
    const n = x.length;
    const msg = new BigUint64Array(FIELD_BITS * n);
    let share = vconst(n, 0n);
    for (let l = 0; l < FIELD_BITS; l++) {
      const t0 = fieldStream(this.streams[l]![0], n);
      const t1 = fieldStream(this.streams[l]![1], n);
      msg.set(vadd(vsub(t0, t1), x), l * n);
      share = vaxpy(share, t0, POW2[l]!);
    }
    t.send(this.peer, vecBytes(msg));
    return vsub(vconst(n, 0n), share);
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
    const u = vcanon(new BigUint64Array(aligned(bytes)));
    let q = vconst(n, 0n);
    for (let l = 0; l < FIELD_BITS; l++) {
      let ql = fieldStream(this.streams[l]!, n);
      if (this.deltaBits[l]) ql = vadd(ql, u.subarray(l * n, (l + 1) * n));
      q = vaxpy(q, ql, POW2[l]!);
    }
    return q;
  }
}

export const COPE_POW2 = POW2;
