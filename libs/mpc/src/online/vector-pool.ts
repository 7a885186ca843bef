import type { FieldVec } from '../field/vector';

/** Vectors shorter than this (the streamed kernels' chunk) are allocated fresh: the rounding's many small ones. */
export const MIN_POOLED_WORDS = 4096;
/** At most this many bytes wait for reuse; what is given back beyond it is left to the collector. */
export const MAX_POOLED_BYTES = 64 << 20;
/** The pool drops everything after this long without a take or a give: a node at rest holds none of it. */
export const POOL_IDLE_MS = 1000;

/**
 * Scratch vectors of the online phase reused from one opening, MAC check or computation of a thread
 * to the next (issue 15, eleventh session: a catalogue task allocated tens of MB of fresh 800 KB
 * vectors, and V8 ran a Mark-Compact every task or two on their external memory alone). A party takes
 * what only it uses for a while — MAC residuals until the MAC check, the own share of an opening until
 * a later MAC check proves every peer has read it, the limb sums of a dot product — and gives it back;
 * results handed to a program are never taken from here. Vectors are views of exactly the length
 * asked, over buffers of at least that size. Every party of a thread shares one pool (one thread runs
 * one party's code at a time between awaits, and a taken buffer is held by exactly one taker).
 */
export class VectorPool {
  /** Buffers of this pool, free or taken: only these are accepted back. */
  readonly #issued = new WeakSet<ArrayBuffer>();
  readonly #free: ArrayBuffer[] = [];
  #freeBytes = 0;
  #lentBytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly maxBytes = MAX_POOLED_BYTES,
    readonly idleMs = POOL_IDLE_MS,
  ) {}

  /** A vector of n words (contents unspecified), pooled when n ≥ MIN_POOLED_WORDS. */
  take(n: number): FieldVec {
    if (n < MIN_POOLED_WORDS) return new BigUint64Array(n);
    this.#touch();
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const len = this.#free[i]!.byteLength;
      if (len >= n * 8 && (best < 0 || len < this.#free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const [buf] = this.#free.splice(best, 1);
      this.#freeBytes -= buf!.byteLength;
      this.#lentBytes += buf!.byteLength;
      return new BigUint64Array(buf!, 0, n);
    }
    const buf = new ArrayBuffer(n * 8);
    this.#issued.add(buf);
    this.#lentBytes += buf.byteLength;
    return new BigUint64Array(buf);
  }

  /** Gives back vectors that no one reads or writes any more (others, and repeats, are ignored). */
  give(...vs: readonly FieldVec[]): void {
    for (const v of vs) {
      const buf = v.buffer as ArrayBuffer;
      if (!this.#issued.has(buf) || this.#free.includes(buf)) continue;
      this.#lentBytes -= buf.byteLength;
      // Left to the collector: it will not come back (issued is weak), and it is no longer lent.
      if (this.#freeBytes + buf.byteLength > this.maxBytes) {
        this.#issued.delete(buf);
        continue;
      }
      this.#free.push(buf);
      this.#freeBytes += buf.byteLength;
    }
    if (this.#free.length > 0) this.#touch();
  }

  /** Drops every free buffer. */
  release(): void {
    this.#free.length = 0;
    this.#freeBytes = 0;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Bytes waiting for reuse. */
  get heldBytes(): number {
    return this.#freeBytes;
  }

  /**
   * Bytes taken and not given back: what parties hold. A party that passed its last MAC check holds
   * none; one that aborted keeps its buffers until it is collected, and they never come back.
   */
  get lentBytes(): number {
    return this.#lentBytes;
  }

  /** Whether `v` lies in a buffer this pool ever handed out (a result kept by a program must never). */
  owns(v: ArrayBufferView): boolean {
    return this.#issued.has(v.buffer as ArrayBuffer);
  }

  #touch(): void {
    if (this.#timer) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => this.release(), this.idleMs);
    this.#timer.unref();
  }
}

/** The online phase's pool of this thread. */
export const onlinePool = new VectorPool();
