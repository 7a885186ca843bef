import type { MaskShares, PartyPreprocessing, TripleShares } from '@datawell/mpc';

/**
 * Benchmark-only preprocessing: serves a pool of MASCOT-generated triples and masks over and over,
 * so the online phase can be timed on millions of multiplications without waiting for millions of
 * fresh triples. Online cost does not depend on the values in the triples; reusing triples in a real
 * computation would leak, which is why this lives in the benchmark and not in the library.
 */
export function replayPreprocessing(pool: PartyPreprocessing, poolTriples: number, poolMasks: number[]): PartyPreprocessing {
  const triples = pool.takeTriples(poolTriples);
  const masks = poolMasks.map((n, owner) => (n > 0 ? pool.takeMasks(owner, n) : undefined));
  const cycle = (v: BigUint64Array, n: number): BigUint64Array => {
    const out = new BigUint64Array(n);
    for (let off = 0; off < n; off += v.length) out.set(v.subarray(0, Math.min(v.length, n - off)), off);
    return out;
  };
  const sharedOf = (s: { value: BigUint64Array; mac: BigUint64Array }, n: number) => ({ value: cycle(s.value, n), mac: cycle(s.mac, n) });
  return {
    party: pool.party,
    parties: pool.parties,
    macKeyShare: pool.macKeyShare,
    takeTriples: (n: number): TripleShares => ({ a: sharedOf(triples.a, n), b: sharedOf(triples.b, n), c: sharedOf(triples.c, n) }),
    takeMasks: (owner: number, n: number): MaskShares => {
      const m = masks[owner];
      if (!m) throw new RangeError(`no replay masks for party ${owner}`);
      return m.clear ? { mask: sharedOf(m.mask, n), clear: cycle(m.clear, n) } : { mask: sharedOf(m.mask, n) };
    },
    availableTriples: () => Number.MAX_SAFE_INTEGER,
    availableMasks: (owner: number) => (masks[owner] ? Number.MAX_SAFE_INTEGER : 0),
  };
}
