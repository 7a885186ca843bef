/**
 * An ownership-weighted tally: accepted when yes-weight is more than half of the ownership of the
 * active members, rejected when no-weight is at least half; open otherwise. With every member active
 * the denominator is 10^6, i.e. yes > 50 %, no ≥ 50 %.
 */
export function decide(yesPpm: number, noPpm: number, activeOwnershipPpm: number): 'open' | 'accepted' | 'rejected' {
  if (2 * yesPpm > activeOwnershipPpm) return 'accepted';
  if (2 * noPpm >= activeOwnershipPpm) return 'rejected';
  return 'open';
}
