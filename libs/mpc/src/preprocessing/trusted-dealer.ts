/**
 * TEST-ONLY trusted dealer: one process samples α and every triple and mask in the clear and hands
 * out shares. It provides no security whatsoever against the dealer and is refused by production
 * configuration (assertPreprocessingAllowed). Use the MASCOT offline phase for real computations.
 */
import type { FieldVec } from '../field/vector';
import { vmul, vmulc, vrandom, vsub } from '../field/vector';
import { mod } from '../field/reference';
import { assertPreprocessingAllowed } from './policy';
import { PreprocessingStore } from './store';
import type { Shared } from '../online/shares';

export interface TrustedDealerOptions {
  readonly parties: number;
  readonly triples: number;
  /** Input masks per owner party. */
  readonly masks: number;
  readonly squares?: number;
  readonly production?: boolean;
  readonly nodeEnv?: string;
}

export interface DealtPreprocessing {
  readonly stores: PreprocessingStore[];
  /** The global MAC key: exposed only because this is a test dealer. */
  readonly alpha: bigint;
}

export function dealPreprocessing(opts: TrustedDealerOptions): DealtPreprocessing {
  assertPreprocessingAllowed({ source: 'dealer', production: opts.production }, opts.nodeEnv);
  const n = opts.parties;
  const alphaShares = Array.from(vrandom(n));
  const alpha = alphaShares.reduce((s, a) => mod(s + a), 0n);
  const stores = alphaShares.map((a, i) => new PreprocessingStore(i, n, a));
  const dealer = new Dealer(n, alpha);
  if (opts.triples > 0) {
    const a = vrandom(opts.triples);
    const b = vrandom(opts.triples);
    const c = vmul(a, b);
    const as = dealer.share(a);
    const bs = dealer.share(b);
    const cs = dealer.share(c);
    stores.forEach((s, i) => s.addTriples({ a: as[i]!, b: bs[i]!, c: cs[i]! }));
  }
  if ((opts.squares ?? 0) > 0) {
    const a = vrandom(opts.squares!);
    const as = dealer.share(a);
    const qs = dealer.share(vmul(a, a));
    stores.forEach((s, i) => s.addSquares({ a: as[i]!, aa: qs[i]! }));
  }
  if (opts.masks > 0) {
    for (let owner = 0; owner < n; owner++) {
      const r = vrandom(opts.masks);
      const rs = dealer.share(r);
      stores.forEach((s, i) => s.addMasks(owner, i === owner ? { mask: rs[i]!, clear: r } : { mask: rs[i]! }));
    }
  }
  return { stores, alpha };
}

class Dealer {
  constructor(
    readonly parties: number,
    readonly alpha: bigint,
  ) {}

  share(x: FieldVec): Shared[] {
    const values = this.split(x);
    const macs = this.split(vmulc(x, this.alpha));
    return values.map((value, i) => ({ value, mac: macs[i]! }));
  }

  split(x: FieldVec): FieldVec[] {
    const parts = Array.from({ length: this.parties - 1 }, () => vrandom(x.length));
    let last = x;
    for (const p of parts) last = vsub(last, p);
    return [...parts, last];
  }
}
