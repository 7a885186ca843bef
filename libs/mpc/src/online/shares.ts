import type { FieldVec } from '../field/vector';

/**
 * One party's view of an authenticated secret vector x: additive shares of x and of its MAC α·x.
 * Σ_i value_i = x and Σ_i mac_i = α·x (mod p), where α = Σ_i α_i is never known to anyone.
 */
export interface Shared {
  readonly value: FieldVec;
  readonly mac: FieldVec;
}

/** A side of a dot product: a shared vector, or a sum of shared vectors of one length (fxp32's limb sums). */
export type DotOperand = Shared | readonly Shared[];

export interface TripleShares {
  readonly a: Shared;
  readonly b: Shared;
  readonly c: Shared;
}

export interface MaskShares {
  readonly mask: Shared;
  /** The mask in the clear: known only to the party that owns it. */
  readonly clear?: FieldVec;
}

/** A square pair: [a] and [a²], from a triple by opening a − b (offline). */
export interface SquareShares {
  readonly a: Shared;
  readonly aa: Shared;
}
