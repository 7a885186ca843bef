import { createHash, randomBytes } from 'node:crypto';
import { OtCheckFailedError, ProtocolViolationError } from '../errors';
import type { Transport } from '../transport/transport';
import { baseOtReceive, baseOtSend } from './base-ot';
import { PrgStream, aligned, getBit } from './bits';
import { ReusedBuffer, otReceiverCore, otReceiverMatrix, otSenderCore } from './gf2';

/**
 * IKNP/KOS oblivious-transfer extension between one sender and one receiver (κ = 128 base OTs, with
 * roles reversed). The receiver's consistency is checked KOS-style: after the extension matrix is
 * sent, a jointly chosen set of CHECKS random GF(2) linear combinations of the rows (columns in bit
 * form) must satisfy q = t ⊕ x·Δ; an inconsistent choice bit escapes each check with probability 1/2.
 * PAD random choice bits hide the revealed parities x of the real choice bits.
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

/** The OT-extension sender: learns two random messages per OT, v0 = H(q) and v1 = H(q ⊕ Δ). */
export class OtExtSender {
  #counter = 0;
  readonly #out = [new ReusedBuffer(), new ReusedBuffer()] as const;

  private constructor(
    readonly peer: number,
    readonly delta: Uint32Array,
    readonly streams: PrgStream[],
  ) {}

  static async setup(t: Transport, peer: number): Promise<OtExtSender> {
    const deltaBytes = randomBytes(16);
    const choices = Array.from({ length: KAPPA }, (_, i) => getBit(deltaBytes, i) === 1);
    const keys = await baseOtReceive(t, peer, choices);
    return new OtExtSender(peer, new Uint32Array(aligned(deltaBytes)), keys.map((k) => new PrgStream(k, 'ot-ext')));
  }

  /** Runs `m` random OTs; returns v0 and v1 of `blocks` 16-byte blocks per OT, valid until the next call. */
  async extend(t: Transport, m: number, blocks: number): Promise<{ v0: Buffer; v1: Buffer }> {
    const M = paddedLength(m);
    const colBytes = M / 8;
    const msg = await t.receive(this.peer);
    if (msg.length !== KAPPA * colBytes + 32) throw new ProtocolViolationError(`OT extension: bad matrix from ${this.peer}`, this.peer);
    const seedR = msg.subarray(KAPPA * colBytes);
    const seedS = randomBytes(32);
    t.send(this.peer, seedS);
    const g = this.streams.map((st) => st.next(colBytes));
    const deltaBytes = new Uint8Array(this.delta.buffer);
    // Everything is computed before waiting for the check; outputs are released only after it passes.
    const base = this.#counter;
    this.#counter += m;
    const { parities: qPar, v0, v1 } = otSenderCore(g, msg.subarray(0, KAPPA * colBytes), deltaBytes, checkMasks(seedR, seedS), CHECKS, M, m, blocks, base, this.#out);
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
    return { v0, v1 };
  }
}

/** The OT-extension receiver: learns v_c = H(t) for its choice bit c of each OT. */
export class OtExtReceiver {
  #counter = 0;
  readonly #out = new ReusedBuffer();

  private constructor(
    readonly peer: number,
    readonly streams: Array<[PrgStream, PrgStream]>,
  ) {}

  static async setup(t: Transport, peer: number): Promise<OtExtReceiver> {
    const keys = await baseOtSend(t, peer, KAPPA);
    return new OtExtReceiver(peer, keys.map(([k0, k1]) => [new PrgStream(k0, 'ot-ext'), new PrgStream(k1, 'ot-ext')]));
  }

  /** Runs `m` random OTs with choice bits `choices` (bit j of the packed bytes); the result is valid until the next call. */
  async extend(t: Transport, choices: Uint8Array, m: number, blocks: number): Promise<Buffer> {
    const M = paddedLength(m);
    const colBytes = M / 8;
    const r = new Uint8Array(colBytes);
    randomBytes(colBytes - Math.floor(m / 8)).copy(Buffer.from(r.buffer), Math.floor(m / 8));
    r.set(choices.subarray(0, Math.floor(m / 8)));
    for (let j = Math.floor(m / 8) * 8; j < m; j++) {
      r[j >> 3] = (r[j >> 3]! & ~(1 << (j & 7))) | (getBit(choices, j) << (j & 7));
    }
    const t0 = this.streams.map(([s0]) => s0.next(colBytes));
    const t1 = this.streams.map(([, s1]) => s1.next(colBytes));
    const msg = otReceiverMatrix(t0, t1, r, 32);
    const seedR = randomBytes(32);
    msg.set(seedR, KAPPA * colBytes);
    t.send(this.peer, msg);
    const seedS = await t.receive(this.peer);
    if (seedS.length !== 32) throw new ProtocolViolationError(`OT extension: bad seed from ${this.peer}`, this.peer);
    const base = this.#counter;
    this.#counter += m;
    const { x, parities: tPar, v } = otReceiverCore(t0, r, checkMasks(seedR, seedS), CHECKS, M, m, blocks, base, this.#out);
    const check = new Uint8Array(CHECKS + CHECKS * KAPPA);
    check.set(x, 0);
    check.set(tPar, CHECKS);
    t.send(this.peer, check);
    return v;
  }
}
