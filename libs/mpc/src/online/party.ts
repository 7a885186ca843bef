import { createHash, randomBytes, type Hash } from 'node:crypto';
import type { FieldVec } from '../field/vector';
import {
  vadd, vaddInto, vaddc, vaxpy, vbeaverDotOpen, vbeaverOpen, vconst, vdotRandomWords, vinputOpen, vmul, vmulc, vopen, vsquareDotOpen, vsub, vsub2, vsubInto, vsum,
} from '../field/vector';
import { concatVecs, vecBytes } from '../field/concat';
import { fadd, fmul, mod } from '../field/reference';
import { commit, verifyCommitment } from '../crypto/commit';
import { prgStream } from '../crypto/prg';
import {
  BroadcastMismatchError, CommitmentMismatchError, InvalidArgumentError, MacCheckFailedError, MpcError,
  ProtocolViolationError,
} from '../errors';
import type { Transport } from '../transport/transport';
import type { PartyPreprocessing } from '../preprocessing/store';
import type { DotOperand, Shared } from './shares';
import { onlinePool } from './vector-pool';

/**
 * One party's side of the SPDZ online phase. Every party runs the same sequence of calls on its own
 * shares; the calls that communicate are async. Linear operations are local and free.
 */
export interface MpcParty {
  readonly id: number;
  readonly parties: number;
  /** Secret-shares `values` held by `owner` (the other parties pass the length). */
  input(owner: number, values: FieldVec | number): Promise<Shared>;
  add(x: Shared, y: Shared): Shared;
  sub(x: Shared, y: Shared): Shared;
  neg(x: Shared): Shared;
  addPublic(x: Shared, c: FieldVec | bigint): Shared;
  mulPublic(x: Shared, c: bigint): Shared;
  /** Elementwise product with a public vector. */
  mulPublicVec(x: Shared, c: FieldVec): Shared;
  /** A public constant in sharing form (party 0 holds it). */
  constant(c: FieldVec): Shared;
  /** Elementwise secure multiplication (one batched Beaver opening). */
  mul(x: Shared, y: Shared): Promise<Shared>;
  /**
   * Σ x_i·y_i as a shared vector of length 1 (one batched Beaver opening, no per-element shares).
   * dot(x, x) uses square pairs when the preprocessing has them (half the opening).
   */
  dot(x: Shared, y: Shared): Promise<Shared>;
  /**
   * Σ x_i·y_i for every pair, as a shared vector of one element per pair: the Beaver openings of all
   * pairs in one message (one round), each recombined in one streamed pass. A pair whose two sides are
   * the same object uses square pairs when the preprocessing has enough left. A side may be a sum of
   * shared vectors, formed by the party in reused scratch for the pass only.
   */
  dots(pairs: ReadonlyArray<readonly [DotOperand, DotOperand]>): Promise<Shared>;
  /** Sum of all elements, as a shared vector of length 1. */
  sum(x: Shared): Shared;
  slice(x: Shared, start: number, end: number): Shared;
  concat(xs: readonly Shared[]): Shared;
  /** Opens without checking MACs yet (internal building block: the value is recorded for the next MAC check). */
  partialOpen(x: Shared): Promise<FieldVec>;
  /** Runs the commit-then-open MAC check over every value opened since the last check. */
  macCheck(): Promise<void>;
  /** Opens to everyone, after a successful MAC check. */
  open(x: Shared): Promise<FieldVec>;
  /** Opens only to the named parties, through their own masks; returns undefined elsewhere. */
  output(x: Shared, recipients: readonly number[]): Promise<FieldVec | undefined>;
  /** A fresh public random seed: everyone commits to a seed, then opens; the result is their hash. */
  coinToss(label: string): Promise<Uint8Array>;
  /** Shared random values (consumes triple `a` components). */
  random(n: number): Shared;
  readonly preprocessing: PartyPreprocessing;
  close(): Promise<void>;
}

const ZERO = 0n;
/** MAC-check coefficients drawn from the PRG at a time (64 KiB of its stream: OpenSSL is fastest in such pieces). */
const COEFFICIENTS_PER_STEP = 1 << 13;

class SpdzParty implements MpcParty {
  readonly id: number;
  readonly parties: number;
  readonly #t: Transport;
  readonly #pre: PartyPreprocessing;
  readonly #alpha: bigint;
  /**
   * Per value opened since the last MAC check, this party's MAC residual m − α_i·x (its MAC share
   * minus its key share times the opened value, as this party saw it): σ_i = Σ r_j·residual_j.
   */
  #residuals: FieldVec[] = [];
  /**
   * This party's shares of openings (and masked inputs) sent since the last MAC check, in reused
   * buffers: the transports do not copy what is sent, so a buffer goes back to the pool only after a
   * MAC check passed, whose peer messages each come after that peer processed every earlier opening.
   */
  #sent: FieldVec[] = [];
  #transcript: Hash = createHash('sha256');
  #aborted: MpcError | undefined;

  constructor(transport: Transport, pre: PartyPreprocessing) {
    if (transport.self !== pre.party || transport.parties !== pre.parties) {
      throw new InvalidArgumentError('transport and preprocessing belong to different parties');
    }
    this.#t = transport;
    this.#pre = pre;
    this.#alpha = pre.macKeyShare;
    this.id = transport.self;
    this.parties = transport.parties;
  }

  get preprocessing(): PartyPreprocessing {
    return this.#pre;
  }

  // ---- local (linear) operations ----

  add(x: Shared, y: Shared): Shared {
    return { value: vadd(x.value, y.value), mac: vadd(x.mac, y.mac) };
  }

  sub(x: Shared, y: Shared): Shared {
    return { value: vsub(x.value, y.value), mac: vsub(x.mac, y.mac) };
  }

  neg(x: Shared): Shared {
    const z = vconst(x.value.length, ZERO);
    return { value: vsub(z, x.value), mac: vsub(z, x.mac) };
  }

  addPublic(x: Shared, c: FieldVec | bigint): Shared {
    if (typeof c === 'bigint') {
      const k = mod(c);
      return {
        value: this.id === 0 ? vaddc(x.value, k) : x.value,
        mac: vaddc(x.mac, fmul(k, this.#alpha)),
      };
    }
    return { value: this.id === 0 ? vadd(x.value, c) : x.value, mac: vaxpy(x.mac, c, this.#alpha) };
  }

  mulPublic(x: Shared, c: bigint): Shared {
    const k = mod(c);
    return { value: vmulc(x.value, k), mac: vmulc(x.mac, k) };
  }

  mulPublicVec(x: Shared, c: FieldVec): Shared {
    return { value: vmul(x.value, c), mac: vmul(x.mac, c) };
  }

  constant(c: FieldVec): Shared {
    return this.addPublic({ value: vconst(c.length, ZERO), mac: vconst(c.length, ZERO) }, c);
  }

  sum(x: Shared): Shared {
    return { value: new BigUint64Array([vsum(x.value)]), mac: new BigUint64Array([vsum(x.mac)]) };
  }

  slice(x: Shared, start: number, end: number): Shared {
    return { value: x.value.slice(start, end), mac: x.mac.slice(start, end) };
  }

  concat(xs: readonly Shared[]): Shared {
    return { value: concatVecs(xs.map((x) => x.value)), mac: concatVecs(xs.map((x) => x.mac)) };
  }

  random(n: number): Shared {
    return this.#pre.takeTriples(n).a;
  }

  // ---- interactive operations ----

  input(owner: number, values: FieldVec | number): Promise<Shared> {
    return this.#guard(async () => {
      const n = typeof values === 'number' ? values : values.length;
      const { mask, clear } = this.#pre.takeMasks(owner, n);
      let eps: Uint8Array;
      if (owner === this.id) {
        if (typeof values === 'number') throw new InvalidArgumentError('the input owner must pass its values');
        const masked = vsubInto(values, clear!, onlinePool.take(n));
        this.#sent.push(masked);
        eps = vecBytes(masked);
        this.#t.broadcast(eps);
      } else {
        eps = await this.#t.receive(owner);
        if (eps.length !== n * 8) throw new ProtocolViolationError(`expected ${n} field elements from party ${owner}, got ${eps.length} bytes`, owner);
      }
      // [x] = [r] + ε in one pass over ε, canonicalised there, each chunk hashed into the transcript.
      const transcript = this.#transcript.update(`input:${owner}:${n};`);
      return vinputOpen(eps, mask, this.#alpha, this.id === 0, (chunk) => transcript.update(chunk));
    });
  }

  mul(x: Shared, y: Shared): Promise<Shared> {
    return this.#guard(async () => {
      const n = x.value.length;
      if (y.value.length !== n) throw new InvalidArgumentError(`mul of lengths ${n} and ${y.value.length}`);
      if (x.mac.length !== n || y.mac.length !== n) throw new InvalidArgumentError('mul of shares whose MACs differ in length from their values');
      const { a, b, c } = this.#pre.takeTriples(n);
      // Open [x − a ‖ y − b]; the MAC shares of the opening are formed in the Beaver pass itself.
      const own = vsub2(x.value, a.value, y.value, b.value, onlinePool.take(2 * n));
      const received = await this.#exchange(own);
      const z = vbeaverOpen(
        own,
        received,
        { xm: x.mac, ym: y.mac, av: a.value, am: a.mac, bv: b.value, bm: b.mac, cv: c.value, cm: c.mac },
        this.#alpha,
        this.id === 0,
        onlinePool.take(2 * n),
      );
      this.#recordOpening(z.residual);
      return { value: z.value, mac: z.mac };
    });
  }

  dot(x: Shared, y: Shared): Promise<Shared> {
    return this.dots([[x, y]]);
  }

  dots(operands: ReadonlyArray<readonly [DotOperand, DotOperand]>): Promise<Shared> {
    return this.#guard(async () => {
      // Sums of shares (fxp32's limb sums) in scratch of this call: the same sum object once.
      const scratch: FieldVec[] = [];
      const sums = new Map<readonly Shared[], Shared>();
      const resolve = (o: DotOperand): Shared => {
        if (!isSum(o)) return o;
        let s = sums.get(o);
        if (!s) sums.set(o, (s = sumInto(o, scratch)));
        return s;
      };
      const pairs = operands.map(([x, y]) => [resolve(x), resolve(y)] as const);
      let squaresLeft = this.#pre.availableSquares();
      let total = 0;
      const plan = pairs.map(([x, y]) => {
        const n = x.value.length;
        if (y.value.length !== n) throw new InvalidArgumentError(`dot of lengths ${n} and ${y.value.length}`);
        if (x.mac.length !== n || y.mac.length !== n) throw new InvalidArgumentError('dot of shares whose MACs differ in length from their values');
        const square = x === y && squaresLeft >= n;
        if (square) squaresLeft -= n;
        const at = total;
        total += square ? n : 2 * n;
        return { x, y, n, at, square };
      });
      // One opening for every pair: [x − a] of a square, [x − a ‖ y − b] of a product, side by side
      // (the segments cover it whole).
      const own = onlinePool.take(total);
      const taken = plan.map(({ x, y, n, at, square }) => {
        if (square) {
          const sq = this.#pre.takeSquares(n);
          vsubInto(x.value, sq.a.value, own.subarray(at, at + n));
          return { sq };
        }
        const t = this.#pre.takeTriples(n);
        vsub2(x.value, t.a.value, y.value, t.b.value, own.subarray(at, at + 2 * n));
        return { t };
      });
      const received = await this.#exchange(own);
      const value = new BigUint64Array(plan.length);
      const mac = new BigUint64Array(plan.length);
      plan.forEach(({ x, y, n, at, square }, j) => {
        const len = square ? n : 2 * n;
        const peers = received.map((r) => r.subarray(at * 8, (at + len) * 8));
        const mine = own.subarray(at, at + len);
        const { sq, t } = taken[j]!;
        // Square: x² = a² + 2·d·a + d² with d = x − a; product: Σ c + d·b + e·a + d·e (the public
        // terms held by party 0, under α_i in the MACs). The MAC residuals are those of the opening.
        const z = square
          ? vsquareDotOpen(
              mine,
              peers,
              { xm: x.mac, av: sq!.a.value, am: sq!.a.mac, aav: sq!.aa.value, aam: sq!.aa.mac },
              this.#alpha,
              this.id === 0,
              onlinePool.take(len),
            )
          : vbeaverDotOpen(
              mine,
              peers,
              { xm: x.mac, ym: y.mac, av: t!.a.value, am: t!.a.mac, bv: t!.b.value, bm: t!.b.mac, cv: t!.c.value, cm: t!.c.mac },
              this.#alpha,
              this.id === 0,
              onlinePool.take(len),
            );
        this.#recordOpening(z.residual);
        value[j] = z.value;
        mac[j] = z.mac;
      });
      onlinePool.give(...scratch); // local only, never sent
      return { value, mac };
    });
  }

  partialOpen(x: Shared): Promise<FieldVec> {
    return this.#guard(async () => {
      if (x.mac.length !== x.value.length) throw new InvalidArgumentError('opening of a share whose MAC differs in length from its value');
      const received = await this.#exchange(x.value);
      const { sum, residual } = vopen(x.value, x.mac, received, this.#alpha, onlinePool.take(x.value.length));
      this.#recordOpening(residual);
      return sum;
    });
  }

  /** Broadcasts this party's share of an opening and receives every peer's (raw, checked for length). */
  async #exchange(own: FieldVec): Promise<Uint8Array[]> {
    const n = own.length;
    this.#sent.push(own); // back to the pool (when it came from there) after the next MAC check passes
    this.#t.broadcast(vecBytes(own));
    const received: Uint8Array[] = [];
    for (let j = 0; j < this.parties; j++) {
      if (j === this.id) continue;
      const bytes = await this.#t.receive(j);
      if (bytes.length !== n * 8) {
        throw new ProtocolViolationError(`expected ${n} field elements from party ${j}, got ${bytes.length} bytes`, j);
      }
      received.push(bytes);
    }
    return received;
  }

  #recordOpening(residual: FieldVec): void {
    this.#residuals.push(residual);
    // Opened values need no transcript: each party's MAC-check share uses its own view, so
    // different views make the check fail (probability 1/p of passing).
    this.#transcript.update(`open:${residual.length};`);
  }

  macCheck(): Promise<void> {
    return this.#guard(async () => {
      const residuals = this.#residuals;
      const sent = this.#sent;
      const transcript = this.#transcript.digest();
      this.#residuals = [];
      this.#sent = [];
      this.#transcript = createHash('sha256');
      const total = residuals.reduce((s, v) => s + v.length, 0);
      // Random coefficients agreed by coin tossing after the values were opened, so a cheater
      // cannot make errors cancel: Σ r_j·(m_j - α·x_j) = 0 with an error passes with prob. 1/p.
      // The coefficients r_j (the PRG's words reduced into the field) are consumed as they are drawn.
      const seed = await this.#coinToss('mac-check');
      const coefficients = prgStream(seed, 'mac-check-coefficients');
      let sigma = 0n;
      for (const t of residuals) {
        for (let off = 0; off < t.length; off += COEFFICIENTS_PER_STEP) {
          const end = Math.min(t.length, off + COEFFICIENTS_PER_STEP);
          sigma = fadd(sigma, vdotRandomWords(coefficients((end - off) * 8), t.subarray(off, end)));
        }
      }
      onlinePool.give(...residuals); // σ is all the check needs of them
      const payload = new Uint8Array(8 + transcript.length);
      new DataView(payload.buffer).setBigUint64(0, sigma, true);
      payload.set(transcript, 8);
      const payloads = await this.#commitAndOpen('mac-check-sigma', payload);
      let total0 = 0n;
      for (let j = 0; j < this.parties; j++) {
        const pj = payloads[j]!;
        if (pj.length !== payload.length) throw new ProtocolViolationError(`bad MAC-check message from ${j}`, j);
        total0 = fadd(total0, mod(new DataView(pj.buffer, pj.byteOffset, 8).getBigUint64(0, true)));
      }
      if (total0 !== 0n) {
        throw new MacCheckFailedError(`MAC check over ${total} opened values failed: a share, MAC or opened value was altered`);
      }
      // Equivocation that no opened value exposed (e.g. an input owner sending different masked inputs).
      for (let j = 0; j < this.parties; j++) {
        if (!Buffer.from(payloads[j]!.subarray(8)).equals(Buffer.from(transcript))) {
          throw new BroadcastMismatchError(`party ${j} saw different opened or broadcast values`, j);
        }
      }
      onlinePool.give(...sent);
    });
  }

  open(x: Shared): Promise<FieldVec> {
    return this.#guard(async () => {
      const y = await this.partialOpen(x);
      await this.macCheck();
      return y;
    });
  }

  output(x: Shared, recipients: readonly number[]): Promise<FieldVec | undefined> {
    return this.#guard(async () => {
      if (new Set(recipients).size === this.parties && recipients.every((j) => Number.isInteger(j) && j >= 0 && j < this.parties)) {
        return this.open(x); // every party receives it: one public opening
      }
      let mine: FieldVec | undefined;
      for (const j of recipients) {
        if (!Number.isInteger(j) || j < 0 || j >= this.parties) throw new InvalidArgumentError(`no party ${j}`);
        // x - r is uniform to everyone but j, who alone knows the mask r.
        const { mask, clear } = this.#pre.takeMasks(j, x.value.length);
        const y = await this.partialOpen(this.sub(x, mask));
        if (j === this.id) mine = vadd(y, clear!);
      }
      await this.macCheck();
      return mine;
    });
  }

  async close(): Promise<void> {
    await this.#t.close();
  }

  // ---- helpers ----

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#aborted) throw this.#aborted;
    try {
      return await fn();
    } catch (err) {
      if (err instanceof MpcError && err.code !== 'INVALID_ARGUMENT') {
        // An abort is final: close the channels so peers waiting on us fail instead of hanging.
        this.#aborted = err;
        await this.#t.close();
      }
      throw err;
    }
  }

  /** Everyone commits to `payload`, then everyone opens; returns all payloads by party. */
  async #commitAndOpen(domain: string, payload: Uint8Array): Promise<Uint8Array[]> {
    const c = commit(domain, payload);
    this.#t.broadcast(c.digest);
    const digests: Uint8Array[] = [];
    for (let j = 0; j < this.parties; j++) digests[j] = j === this.id ? c.digest : await this.#t.receive(j);
    const opening = new Uint8Array(32 + payload.length);
    opening.set(c.nonce, 0);
    opening.set(payload, 32);
    this.#t.broadcast(opening);
    const out: Uint8Array[] = [];
    for (let j = 0; j < this.parties; j++) {
      if (j === this.id) {
        out[j] = payload;
        continue;
      }
      const o = await this.#t.receive(j);
      if (o.length < 32 || !verifyCommitment(domain, digests[j]!, o.subarray(0, 32), o.subarray(32))) {
        throw new CommitmentMismatchError(`party ${j} opened a value that does not match its commitment (${domain})`, j);
      }
      out[j] = o.subarray(32);
    }
    return out;
  }

  coinToss(label: string): Promise<Uint8Array> {
    return this.#guard(() => this.#coinToss(label));
  }

  async #coinToss(domain: string): Promise<Uint8Array> {
    const seeds = await this.#commitAndOpen(`coin:${domain}`, randomBytes(32));
    const h = createHash('sha256');
    for (const s of seeds) h.update(s);
    return h.digest();
  }
}

function isSum(o: DotOperand): o is readonly Shared[] {
  return !('value' in o);
}

/** Σ terms (value and MAC) in vectors taken from the pool and listed in `scratch`. */
function sumInto(terms: readonly Shared[], scratch: FieldVec[]): Shared {
  const first = terms[0];
  if (!first) throw new InvalidArgumentError('a sum of no shared vectors');
  const n = first.value.length;
  for (const t of terms) {
    if (t.value.length !== n || t.mac.length !== n) throw new InvalidArgumentError(`a sum of shared vectors of lengths ${n} and ${t.value.length}`);
  }
  if (terms.length === 1) return first;
  const value = onlinePool.take(n);
  const mac = onlinePool.take(n);
  scratch.push(value, mac);
  vaddInto(first.value, terms[1]!.value, value);
  vaddInto(first.mac, terms[1]!.mac, mac);
  for (const t of terms.slice(2)) {
    vaddInto(value, t.value, value);
    vaddInto(mac, t.mac, mac);
  }
  return { value, mac };
}

export function createParty(transport: Transport, preprocessing: PartyPreprocessing): MpcParty {
  return new SpdzParty(transport, preprocessing);
}
