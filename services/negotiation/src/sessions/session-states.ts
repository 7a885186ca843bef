/**
 * A session's state machine, after the Eclipse Dataspace Connector's contract negotiation
 * (REQUESTED, OFFERED, ACCEPTED, AGREED, VERIFIED, FINALIZED, TERMINATED), mapped onto Datawell's
 * flow (docs/negotiation.md, "States"):
 *
 * | from                          | event                                              | to         |
 * |-------------------------------|----------------------------------------------------|------------|
 * | (none)                        | `created`: a DSP opens a formation, a VSP a join    | requested  |
 * | requested, offered, accepted  | `proposed`: a signed (counter-)proposal, revision+1 | offered    |
 * | offered, accepted             | `accepted`: a signature, some still missing         | accepted   |
 * | offered, accepted             | `accepted`: the last needed signature               | agreed     |
 * | agreed                        | `ledger-committed`: InitVersion committed           | verified   |
 * | agreed, verified              | `version-recorded`: VersionCreated read             | finalized  |
 * | agreed                        | `ledger-failed`: the bridge's command-failed        | terminated |
 * | requested, offered, accepted  | `expired`: idle past the deadline                   | terminated |
 *
 * The older `status` is a function of the state (statusOf); writes on a session that is no longer
 * negotiating answer 409 SESSION_CLOSED (agreed, verified, finalized) or SESSION_TERMINATED.
 */
export const SESSION_STATES = ['requested', 'offered', 'accepted', 'agreed', 'verified', 'finalized', 'terminated'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** The backward-compatible status of each state. */
export type SessionStatus = 'open' | 'agreed' | 'formed' | 'failed';

export type SessionEvent =
  | { readonly kind: 'proposed' }
  | { readonly kind: 'accepted'; readonly complete: boolean }
  | { readonly kind: 'ledger-committed' }
  | { readonly kind: 'version-recorded' }
  | { readonly kind: 'ledger-failed' }
  | { readonly kind: 'expired' };

/** Reason codes of a termination (a ledger failure carries the bridge's or chaincode's own code instead). */
export const TERMINATION_REASONS = {
  /** No proposal, acceptance or other change for longer than the idle deadline. */
  SESSION_EXPIRED: 'SESSION_EXPIRED',
} as const;

/** States in which the parties still negotiate: proposals and acceptances are taken, the idle deadline runs. */
export const NEGOTIATING: readonly SessionState[] = ['requested', 'offered', 'accepted'];

export const isNegotiating = (state: SessionState): boolean => NEGOTIATING.includes(state);

/** The transition table (see the module comment), one row per event. */
export const TRANSITIONS: Readonly<Record<SessionEvent['kind'], { readonly from: readonly SessionState[]; readonly to: SessionState | 'agreed-or-accepted' }>> = {
  proposed: { from: NEGOTIATING, to: 'offered' },
  accepted: { from: ['offered', 'accepted'], to: 'agreed-or-accepted' },
  'ledger-committed': { from: ['agreed'], to: 'verified' },
  'version-recorded': { from: ['agreed', 'verified'], to: 'finalized' },
  'ledger-failed': { from: ['agreed'], to: 'terminated' },
  expired: { from: NEGOTIATING, to: 'terminated' },
};

/** Not allowed in this state: the caller gets the error of `refusalOf`. */
export class IllegalTransition extends Error {
  constructor(
    readonly state: SessionState,
    readonly event: SessionEvent['kind'],
  ) {
    super(`a session in state ${state} does not take ${event}`);
  }
}

/** The state after `event`, or IllegalTransition. */
export function nextState(state: SessionState, event: SessionEvent): SessionState {
  const row = TRANSITIONS[event.kind];
  if (!row.from.includes(state)) throw new IllegalTransition(state, event.kind);
  if (row.to === 'agreed-or-accepted') return event.kind === 'accepted' && event.complete ? 'agreed' : 'accepted';
  return row.to;
}

export function canTake(state: SessionState, event: SessionEvent['kind']): boolean {
  return TRANSITIONS[event].from.includes(state);
}

export function statusOf(state: SessionState): SessionStatus {
  switch (state) {
    case 'requested':
    case 'offered':
    case 'accepted':
      return 'open';
    case 'agreed':
      return 'agreed';
    case 'verified':
    case 'finalized':
      return 'formed';
    case 'terminated':
      return 'failed';
  }
}

/** The stable code a party's write gets on a session that no longer negotiates (409 either way). */
export const refusalOf = (state: SessionState): 'SESSION_TERMINATED' | 'SESSION_CLOSED' => (state === 'terminated' ? 'SESSION_TERMINATED' : 'SESSION_CLOSED');
