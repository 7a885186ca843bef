import { groupLevel, type SessionPlan } from './agreement';

export interface AcceptanceState {
  /** Whether the accepted revision may go to the ledger. */
  readonly complete: boolean;
  /** Parties whose acceptance is still required (the majority rule aside). */
  readonly waitingFor: readonly string[];
  /** Join only: ownership (ppm of version n) of the earlier members that accepted, and of all of them. */
  readonly acceptedOwnershipPpm?: number;
  readonly existingOwnershipPpm?: number;
}

/**
 * When the parties' acceptances make an agreement.
 *
 * Formation: every party. Join: every joiner and every member of the founding group D, and the
 * earlier members that accepted must hold more than half of the ownership the active members of
 * version n hold (ownership as recorded in version n). An earlier VSP that does not accept does not
 * block the agreement once that majority holds; it is still a member of the new version.
 */
export function acceptanceState(plan: SessionPlan, accepted: ReadonlySet<string>): AcceptanceState {
  if (plan.kind === 'formation') {
    const waitingFor = plan.parties.map((p) => p.mspId).filter((m) => !accepted.has(m));
    return { complete: waitingFor.length === 0, waitingFor };
  }
  const required = [...plan.existing.filter((m) => groupLevel(m.group) === 0).map((m) => m.mspId), ...plan.joiners];
  const waitingFor = required.filter((m) => !accepted.has(m));
  const existingOwnershipPpm = plan.existing.reduce((s, m) => s + m.ownershipPpm, 0);
  const acceptedOwnershipPpm = plan.existing.filter((m) => accepted.has(m.mspId)).reduce((s, m) => s + m.ownershipPpm, 0);
  const majority = 2 * acceptedOwnershipPpm > existingOwnershipPpm;
  return { complete: waitingFor.length === 0 && majority, waitingFor, acceptedOwnershipPpm, existingOwnershipPpm };
}
