import type { FieldVec } from '../field/vector';
import { gilboaReceive, resetFieldMemory, vadd, vconst, vdot, vmul, vrandom, vwsum } from '../field/vector';
import { concatVecs, vecBytes } from '../field/concat';
import { FIELD_BITS } from '../field/reference';
import { prgField } from '../crypto/prg';
import { ProtocolViolationError, SacrificeFailedError } from '../errors';
import type { Transport } from '../transport/transport';
import { createParty, type MpcParty } from '../online/party';
import type { Shared } from '../online/shares';
import { PreprocessingStore, type PartyPreprocessing } from '../preprocessing/store';
import { PrgStream } from './bits';
import { CopeDelta, CopeX } from './cope';
import { resetGf2Memory } from './gf2';
import { OtExtReceiver, OtExtSender, type OtExtensionChoice } from './ot-extension';
import { acquireKernelPool, defaultWorkers, releaseKernelPool, type KernelPool } from './pool';

/**
 * MASCOT offline phase (Keller, Orsini, Scholl, CCS 2016), actively secure with abort against all
 * but one corrupt party:
 *  - pairwise products a^i·b^j by Gilboa multiplication over random OTs (OT extension), TAU values
 *    of a per b;
 *  - combine: two random combinations of the TAU candidates give (a, b, c) and (â, b, ĉ);
 *  - authenticate every share with COPE under each other party's MAC-key share, then check the
 *    authentication by opening a random combination masked with a random value (MAC check);
 *  - sacrifice: open ρ = s·a − â and check s·c − ĉ − ρ·b = 0 with MACs; any failure aborts.
 */
const TAU = 4; // two 16-byte OT hash blocks give exactly four 64-bit words per OT
const BATCH = 8192;

/**
 * Memory at rest (docs/mpc.md, "Memory of a node at rest"): a batch grows buffers and WebAssembly
 * memories to tens of MB each, reused from batch to batch within a call. When a call ends the
 * party drops its buffers, and when no offline step of this thread runs any more (several parties
 * may share a thread) the kernels' linear memories above KEEP_KERNEL_MEMORY are replaced by fresh ones.
 */
export const KEEP_KERNEL_MEMORY = 1 << 20;
let offlineSteps = 0;

async function offlineStep<R>(work: () => Promise<R>, release: () => void): Promise<R> {
  offlineSteps++;
  try {
    return await work();
  } finally {
    offlineSteps--;
    release();
    if (offlineSteps === 0) {
      resetFieldMemory(KEEP_KERNEL_MEMORY);
      resetGf2Memory(KEEP_KERNEL_MEMORY);
    }
  }
}

export interface MascotOfflinePhase {
  readonly preprocessing: PartyPreprocessing;
  /** Adds `n` authenticated, sacrificed triples to this party's store. */
  generateTriples(n: number): Promise<void>;
  /** Adds `n` square pairs (a, a²), each made from a fresh checked triple by opening a − b. */
  generateSquares(n: number): Promise<void>;
  /** Adds `n` authenticated input masks owned by `owner`. */
  generateMasks(owner: number, n: number): Promise<void>;
  /** Releases the worker threads (the material made stays usable). */
  close(): Promise<void>;
  /** Bytes of buffers kept for a next batch: 0 between calls (the memory of a node at rest). */
  readonly heldBytes: number;
}

export interface MascotOptions {
  /**
   * Worker threads for the triple arithmetic (OT extension with Gilboa, COPE), shared by the parties
   * of one thread; fewer than 2 runs it in the party's thread. Default: os.availableParallelism().
   * Messages and their order are the same either way.
   */
  readonly workers?: number;
  /**
   * The OT extension under Gilboa and COPE: KOS (IKNP with the KOS check; the default) or SoftSpoken
   * with parameter k (the same check on the same correlation, ⌈128/k⌉ instead of 128 columns on the
   * wire). Every party of a mesh must use the same; a mismatch aborts with PROTOCOL_VIOLATION.
   */
  readonly otExtension?: OtExtensionChoice;
}

class MascotParty implements MascotOfflinePhase {
  constructor(
    readonly t: Transport,
    readonly store: PreprocessingStore,
    readonly online: MpcParty,
    readonly otSend: Map<number, OtExtSender>,
    readonly otRecv: Map<number, OtExtReceiver>,
    readonly copeX: Map<number, CopeX>,
    readonly copeDelta: Map<number, CopeDelta>,
    readonly pool: KernelPool | undefined,
  ) {}

  async close(): Promise<void> {
    await releaseKernelPool(this.pool);
  }

  /** Bytes this party keeps for its next batch (none between calls: released when each ends). */
  get heldBytes(): number {
    return reusing(this.otSend, this.otRecv, this.copeX, this.copeDelta).reduce((n, x) => n + x.heldBytes, 0);
  }

  #releaseBuffers(): void {
    for (const x of reusing(this.otSend, this.otRecv, this.copeX, this.copeDelta)) x.releaseBuffers();
  }

  get preprocessing(): PartyPreprocessing {
    return this.store;
  }

  static async setup(t: Transport, options: MascotOptions): Promise<MascotParty> {
    const alpha = vrandom(1)[0]!;
    const alphaBits = Array.from({ length: FIELD_BITS }, (_, l) => Number((alpha >> BigInt(l)) & 1n));
    const alphaPacked = new Uint8Array(Math.ceil(FIELD_BITS / 8));
    alphaBits.forEach((b, l) => (alphaPacked[l >> 3] = alphaPacked[l >> 3]! | (b << (l & 7))));
    const otSend = new Map<number, OtExtSender>();
    const otRecv = new Map<number, OtExtReceiver>();
    const copeX = new Map<number, CopeX>();
    const copeDelta = new Map<number, CopeDelta>();
    const released = () => {
      for (const x of reusing(otSend, otRecv, copeX, copeDelta)) x.releaseBuffers();
    };
    await offlineStep(() => pairwise(
      t,
      async (j) => {
        const s = await OtExtSender.setup(t, j, options.otExtension);
        otSend.set(j, s);
        const { v0, v1 } = await s.extend(t, FIELD_BITS, 1);
        copeX.set(j, new CopeX(j, Array.from({ length: FIELD_BITS }, (_, l) => [
          new PrgStream(v0.subarray(16 * l, 16 * l + 16), 'cope'),
          new PrgStream(v1.subarray(16 * l, 16 * l + 16), 'cope'),
        ])));
      },
      async (j) => {
        const r = await OtExtReceiver.setup(t, j, options.otExtension);
        otRecv.set(j, r);
        const v = await r.extend(t, alphaPacked, FIELD_BITS, 1);
        copeDelta.set(j, new CopeDelta(j, alphaBits, Array.from({ length: FIELD_BITS }, (_, l) => new PrgStream(v.subarray(16 * l, 16 * l + 16), 'cope'))));
      },
    ), released);
    const store = new PreprocessingStore(t.self, t.parties, alpha);
    const pool = acquireKernelPool(options.workers ?? defaultWorkers());
    return new MascotParty(t, store, createParty(t, store), otSend, otRecv, copeX, copeDelta, pool);
  }

  generateTriples(n: number): Promise<void> {
    return offlineStep(async () => {
      for (let done = 0; done < n; done += BATCH) await this.#triples(Math.min(BATCH, n - done));
    }, () => this.#releaseBuffers());
  }

  generateSquares(n: number): Promise<void> {
    return offlineStep(() => this.#squares(n), () => this.#releaseBuffers());
  }

  async #squares(n: number): Promise<void> {
    const before = this.store.availableTriples();
    await this.generateTriples(n);
    // Take the n triples just made (the store is FIFO: set aside the ones that were there before).
    const older = before > 0 ? this.store.takeTriples(before) : undefined;
    const { a, b, c } = this.store.takeTriples(n);
    if (older) this.store.addTriples(older);
    // a = b + ε with ε = a − b uniform (b is), so a² = a·b + ε·a = c + ε·a.
    const eps = await this.online.partialOpen(this.online.sub(a, b));
    await this.online.macCheck();
    this.store.addSquares({ a, aa: this.online.add(c, this.online.mulPublicVec(a, eps)) });
  }

  generateMasks(owner: number, n: number): Promise<void> {
    return offlineStep(() => this.#masks(owner, n), () => this.#releaseBuffers());
  }

  async #masks(owner: number, n: number): Promise<void> {
    const mine = owner === this.t.self;
    const r = mine ? vrandom(n) : vconst(n, 0n);
    const mask = await this.#authenticate(r, owner);
    this.store.addMasks(owner, mine ? { mask, clear: r } : { mask });
  }

  async #triples(T: number): Promise<void> {
    const a = vrandom(T * TAU); // [t][k]
    const b = vrandom(T);
    const parts: FieldVec[] = [vmul(a, repeat(b, TAU))];
    const m = T * FIELD_BITS;
    const bBits = bitsOf(b);
    await pairwise(
      this.t,
      async (j) => {
        if (this.pool) {
          const { d, share } = await this.otSend.get(j)!.gilboa(this.t, this.pool, a, T);
          this.t.send(j, d);
          parts.push(share);
          return;
        }
        // Gilboa, sender side: d_l = v0_l − v1_l + a per OT; own share −Σ 2^l v0_l.
        const { d, share } = await this.otSend.get(j)!.gilboaLocal(this.t, a, T);
        this.t.send(j, vecBytes(d));
        parts.push(share);
      },
      async (j) => {
        if (this.pool) {
          parts.push(await this.otRecv.get(j)!.gilboa(this.t, this.pool, bBits, T));
          return;
        }
        const v = await this.otRecv.get(j)!.extend(this.t, bBits, m, 2);
        const d = await this.t.receive(j);
        if (d.length !== m * TAU * 8) throw new ProtocolViolationError(`Gilboa: bad correction from ${j}`, j);
        parts.push(gilboaReceive(v, bBits, d, T, FIELD_BITS));
      },
    );
    let c = parts[0]!;
    for (const p of parts.slice(1)) c = vadd(c, p);

    // Combine the TAU candidates with public random coefficients (two independent combinations).
    const seed = await this.online.coinToss('mascot-combine');
    const r = prgField(seed, 'combine-r', T * TAU);
    const rh = prgField(seed, 'combine-r-hat', T * TAU);
    const ones = vconst(TAU, 1n);
    const comb = (coef: FieldVec, x: FieldVec) => vwsum(vmul(coef, x), ones, T, TAU, 1);
    const all = await this.#authenticate(concatVecs([comb(r, a), b, comb(r, c), comb(rh, a), comb(rh, c)]));
    const part = (k: number): Shared => this.online.slice(all, k * T, (k + 1) * T);
    const [A, B, C, Ah, Ch] = [part(0), part(1), part(2), part(3), part(4)];

    // Sacrifice (â, b, ĉ) to check (a, b, c).
    const s = prgField(await this.online.coinToss('mascot-sacrifice'), 'sacrifice-s', T);
    const rho = await this.online.partialOpen(this.online.sub(this.online.mulPublicVec(A, s), Ah));
    const sigma = this.online.sub(this.online.sub(this.online.mulPublicVec(C, s), Ch), this.online.mulPublicVec(B, rho));
    const opened = await this.online.partialOpen(sigma);
    await this.online.macCheck();
    const bad = opened.findIndex((x) => x !== 0n);
    if (bad >= 0) throw new SacrificeFailedError(`triple ${bad} of a batch of ${T} is not multiplicative (sacrifice check)`);
    this.store.addTriples({ a: A, b: B, c: C });
  }

  /**
   * Authenticates additive shares x (every party's share, or only `owner`'s when given) under α:
   * returns this party's MAC shares, after checking a random combination masked by an extra value.
   */
  async #authenticate(x: FieldVec, owner?: number): Promise<Shared> {
    const n = x.length;
    const contributes = (p: number) => owner === undefined || owner === p;
    const xs = contributes(this.t.self) ? concatVecs([x, vrandom(1)]) : vconst(n + 1, 0n);
    const macParts: FieldVec[] = [contributes(this.t.self) ? vmulPublic(xs, this.store.macKeyShare) : vconst(n + 1, 0n)];
    await pairwise(
      this.t,
      async (j) => {
        if (!contributes(this.t.self)) return;
        const cope = this.copeX.get(j)!;
        macParts.push(this.pool ? await cope.extendPooled(this.t, this.pool, xs) : cope.extend(this.t, xs));
      },
      async (j) => {
        if (!contributes(j)) return;
        const cope = this.copeDelta.get(j)!;
        macParts.push(await (this.pool ? cope.extendPooled(this.t, this.pool, n + 1) : cope.extend(this.t, n + 1)));
      },
    );
    let mac = macParts[0]!;
    for (const p of macParts.slice(1)) mac = vadd(mac, p);
    const coef = prgField(await this.online.coinToss('mascot-auth-check'), 'auth-check', n);
    const y: Shared = {
      value: new BigUint64Array([vaddScalar(vdot(coef, xs.subarray(0, n)), xs[n]!)]),
      mac: new BigUint64Array([vaddScalar(vdot(coef, mac.subarray(0, n)), mac[n]!)]),
    };
    await this.online.partialOpen(y);
    await this.online.macCheck();
    return { value: xs.slice(0, n), mac: mac.slice(0, n) };
  }
}

/** What keeps buffers from batch to batch: the OT extensions and COPE instances, with every peer. */
function reusing(...byPeer: ReadonlyArray<ReadonlyMap<number, { releaseBuffers(): void; readonly heldBytes: number }>>) {
  return byPeer.flatMap((m) => [...m.values()]);
}

/**
 * Runs a two-role sub-protocol with every peer, pairs in parallel. Within a pair the lower-indexed
 * party acts as sender first, so both ends process their FIFO channel in the same order.
 */
async function pairwise(t: Transport, asSender: (j: number) => Promise<void>, asReceiver: (j: number) => Promise<void>): Promise<void> {
  const peers = Array.from({ length: t.parties }, (_, j) => j).filter((j) => j !== t.self);
  await Promise.all(
    peers.map(async (j) => {
      if (t.self < j) {
        await asSender(j);
        await asReceiver(j);
      } else {
        await asReceiver(j);
        await asSender(j);
      }
    }),
  );
}

function vmulPublic(x: FieldVec, k: bigint): FieldVec {
  return vmul(x, vconst(x.length, k));
}

function vaddScalar(a: bigint, b: bigint): bigint {
  return vadd(new BigUint64Array([a]), new BigUint64Array([b]))[0]!;
}

/** Each element of v repeated k times in a row. */
function repeat(v: FieldVec, k: number): FieldVec {
  const out = new BigUint64Array(v.length * k);
  for (let i = 0; i < v.length; i++) out.fill(v[i]!, i * k, (i + 1) * k);
  return out;
}

/** The FIELD_BITS low bits of every element, packed LSB-first: bit t*FIELD_BITS + l = bit l of v[t]. */
function bitsOf(v: FieldVec): Uint8Array {
  const out = new Uint8Array(Math.ceil((v.length * FIELD_BITS) / 8));
  // 32-bit halves of the little-endian words: no BigInt arithmetic in the loop.
  const w = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
  for (let t = 0; t < v.length; t++) {
    const lo = w[2 * t]!;
    const hi = w[2 * t + 1]!;
    const base = t * FIELD_BITS;
    for (let l = 0; l < FIELD_BITS; l++) {
      const j = base + l;
      out[j >> 3] = out[j >> 3]! | ((l < 32 ? (lo >>> l) & 1 : (hi >>> (l - 32)) & 1) << (j & 7));
    }
  }
  return out;
}

/** Base OTs and COPE set-up with every other party; then triples and masks on demand. */
export async function setupMascot(transport: Transport, options: MascotOptions = {}): Promise<MascotOfflinePhase> {
  return MascotParty.setup(transport, options);
}
