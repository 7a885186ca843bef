import type { MaskShares, PartyPreprocessing, SquareShares, TripleShares } from '@datawell/mpc';

/**
 * Benchmark-only preprocessing: serves a pool of MASCOT-generated triples and masks over and over,
 * so the online phase can be timed on millions of multiplications without waiting for millions of
 * fresh triples. Online cost does not depend on the values in the triples; reusing triples in a real
 * computation would leak, which is why this lives in the benchmark and not in the library.
 */
export function replayPreprocessing(
  pool: PartyPreprocessing,
  poolTriples: number,
  poolMasks: number[],
  maxBatch: number,
  poolSquares = 0,
): PartyPreprocessing {
  // Expanded to the largest batch once, before any timing; batches are then views (the online
  // phase never writes into preprocessing material).
  const cycled = (v: BigUint64Array): BigUint64Array => {
    const out = new BigUint64Array(maxBatch);
    for (let off = 0; off < maxBatch; off += v.length) out.set(v.subarray(0, Math.min(v.length, maxBatch - off)), off);
    return out;
  };
  const expand = (s: { value: BigUint64Array; mac: BigUint64Array }) => ({ value: cycled(s.value), mac: cycled(s.mac) });
  const t = pool.takeTriples(poolTriples);
  const triples = { a: expand(t.a), b: expand(t.b), c: expand(t.c) };
  const sq = poolSquares > 0 ? pool.takeSquares(poolSquares) : undefined;
  const squares = sq && { a: expand(sq.a), aa: expand(sq.aa) };
  const masks = poolMasks.map((n, owner) => {
    if (n === 0) return undefined;
    const m = pool.takeMasks(owner, n);
    return { mask: expand(m.mask), clear: m.clear && cycled(m.clear) };
  });
  const cycle = (v: BigUint64Array, n: number): BigUint64Array => {
    if (n > maxBatch) throw new RangeError(`replay batches are at most ${maxBatch}`);
    return v.subarray(0, n);
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
    takeSquares: (n: number): SquareShares => {
      if (!squares) throw new RangeError('no replay square pairs');
      return { a: sharedOf(squares.a, n), aa: sharedOf(squares.aa, n) };
    },
    // Unbounded like the triples (each take is at most maxBatch): a batch of several sums of squares
    // (dots) decides from one figure how many of its squares the preprocessing can serve.
    availableSquares: () => (squares ? Number.MAX_SAFE_INTEGER : 0),
    availableTriples: () => Number.MAX_SAFE_INTEGER,
    availableMasks: (owner: number) => (masks[owner] ? Number.MAX_SAFE_INTEGER : 0),
  };
}
