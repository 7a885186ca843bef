import type { DaoRefusal } from '@datawell/contracts';
import { PPM } from '@datawell/domain';

/** A refusal's detail, named so that clients map it without reading the prose (DAO_REFUSALS). */
export const refused = (reason: DaoRefusal, detail: string): string => `${reason}: ${detail}`;

/*
 * Ownership-weighted decisions (weights in ppm of total profit, counted over the active members):
 * while the voting period runs, a proposal is decided as soon as no remaining vote can change the
 * outcome; at its deadline it is decided by the votes cast, provided enough ownership voted (quorum).
 */

/** Whether the ownership that voted is at least `quorumPpm` of the active ownership. */
export function quorumMet(yesPpm: number, noPpm: number, activeOwnershipPpm: number, quorumPpm: number): boolean {
  return (yesPpm + noPpm) * PPM >= quorumPpm * activeOwnershipPpm;
}

/**
 * During the voting period: accepted when yes-weight is more than half of the active ownership and
 * the quorum is met (both can only hold more as votes come in); rejected when no-weight is at least
 * half (yes can then never exceed no); open otherwise. With every member active the denominator is
 * 10^6, i.e. yes > 50 %, no ≥ 50 %.
 */
export function decide(yesPpm: number, noPpm: number, activeOwnershipPpm: number, quorumPpm: number): 'open' | 'accepted' | 'rejected' {
  if (2 * noPpm >= activeOwnershipPpm) return 'rejected';
  if (2 * yesPpm > activeOwnershipPpm && quorumMet(yesPpm, noPpm, activeOwnershipPpm, quorumPpm)) return 'accepted';
  return 'open';
}

/**
 * At the deadline, by the votes cast: expired when fewer than the quorum voted; otherwise accepted
 * when yes-weight exceeds no-weight, rejected on a tie or a no majority.
 */
export function decideAtDeadline(yesPpm: number, noPpm: number, activeOwnershipPpm: number, quorumPpm: number): 'accepted' | 'rejected' | 'expired' {
  if (!quorumMet(yesPpm, noPpm, activeOwnershipPpm, quorumPpm)) return 'expired';
  return yesPpm > noPpm ? 'accepted' : 'rejected';
}
