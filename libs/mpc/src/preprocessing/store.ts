import type { FieldVec } from '../field/vector';
import { concatVecs } from '../field/concat';
import { PreprocessingExhaustedError, TripleCheckFailedError } from '../errors';
import type { MaskShares, Shared, SquareShares, TripleShares } from '../online/shares';

/**
 * A party's preprocessing material: its MAC-key share α_i, authenticated triples and input masks.
 * Consumed in order; the same material must never be used twice.
 */
export interface PartyPreprocessing {
  readonly party: number;
  readonly parties: number;
  readonly macKeyShare: bigint;
  takeTriples(n: number): TripleShares;
  /** Square pairs (a, a²): squares and sums of squares open half as much as with triples. */
  takeSquares(n: number): SquareShares;
  availableSquares(): number;
  /** Masks owned by `owner`; `clear` is present only when owner is this party. */
  takeMasks(owner: number, n: number): MaskShares;
  availableTriples(): number;
  availableMasks(owner: number): number;
}

/** FIFO of parallel vectors (columns of equal length), taken in arbitrary-sized slices. */
class ColumnQueue {
  readonly #chunks: FieldVec[][] = [];
  #offset = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(columns: FieldVec[]): void {
    if (columns[0]!.length === 0) return;
    this.#chunks.push(columns);
    this.#size += columns[0]!.length;
  }

  take(n: number, width: number): FieldVec[] {
    const parts: FieldVec[][] = Array.from({ length: width }, () => []);
    let need = n;
    while (need > 0) {
      const chunk = this.#chunks[0]!;
      const len = chunk[0]!.length - this.#offset;
      const k = Math.min(len, need);
      for (let c = 0; c < width; c++) parts[c]!.push(chunk[c]!.subarray(this.#offset, this.#offset + k));
      need -= k;
      this.#offset += k;
      if (this.#offset === chunk[0]!.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#size -= n;
    return parts.map((p) => (p.length === 1 ? p[0]!.slice() : concatVecs(p)));
  }
}

export class PreprocessingStore implements PartyPreprocessing {
  readonly #triples = new ColumnQueue();
  readonly #squares = new ColumnQueue();
  readonly #masks: ColumnQueue[];

  constructor(
    readonly party: number,
    readonly parties: number,
    readonly macKeyShare: bigint,
  ) {
    this.#masks = Array.from({ length: parties }, () => new ColumnQueue());
  }

  addTriples(t: TripleShares): void {
    const cols = [t.a.value, t.a.mac, t.b.value, t.b.mac, t.c.value, t.c.mac];
    if (cols.some((c) => c.length !== cols[0]!.length)) {
      throw new TripleCheckFailedError(`triple batch has components of different lengths: ${cols.map((c) => c.length).join(', ')}`, this.party);
    }
    this.#triples.push(cols);
  }

  addSquares(q: SquareShares): void {
    const cols = [q.a.value, q.a.mac, q.aa.value, q.aa.mac];
    if (cols.some((c) => c.length !== cols[0]!.length)) {
      throw new TripleCheckFailedError('square batch has components of different lengths', this.party);
    }
    this.#squares.push(cols);
  }

  availableSquares(): number {
    return this.#squares.size;
  }

  takeSquares(n: number): SquareShares {
    if (this.#squares.size < n) {
      throw new PreprocessingExhaustedError(`need ${n} square pairs, have ${this.#squares.size}`, this.party);
    }
    const [av, am, qv, qm] = this.#squares.take(n, 4) as [FieldVec, FieldVec, FieldVec, FieldVec];
    return { a: shared(av, am), aa: shared(qv, qm) };
  }

  addMasks(owner: number, m: MaskShares): void {
    const cols = [m.mask.value, m.mask.mac];
    if (m.mask.mac.length !== m.mask.value.length || (m.clear && m.clear.length !== m.mask.value.length)) {
      throw new TripleCheckFailedError('mask batch has components of different lengths', this.party);
    }
    if (owner === this.party) {
      if (!m.clear) throw new RangeError('own masks need their clear values');
      cols.push(m.clear);
    }
    this.#masks[owner]!.push(cols);
  }

  availableTriples(): number {
    return this.#triples.size;
  }

  availableMasks(owner: number): number {
    return this.#masks[owner]!.size;
  }

  takeTriples(n: number): TripleShares {
    if (this.#triples.size < n) {
      throw new PreprocessingExhaustedError(`need ${n} triples, have ${this.#triples.size}`, this.party);
    }
    const [av, am, bv, bm, cv, cm] = this.#triples.take(n, 6) as [FieldVec, FieldVec, FieldVec, FieldVec, FieldVec, FieldVec];
    return { a: shared(av, am), b: shared(bv, bm), c: shared(cv, cm) };
  }

  takeMasks(owner: number, n: number): MaskShares {
    const q = this.#masks[owner]!;
    if (q.size < n) {
      throw new PreprocessingExhaustedError(`need ${n} input masks of party ${owner}, have ${q.size}`, this.party);
    }
    const cols = q.take(n, owner === this.party ? 3 : 2);
    return owner === this.party
      ? { mask: shared(cols[0]!, cols[1]!), clear: cols[2]! }
      : { mask: shared(cols[0]!, cols[1]!) };
  }
}

function shared(value: FieldVec, mac: FieldVec): Shared {
  return { value, mac };
}
