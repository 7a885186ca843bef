import { canTake, IllegalTransition, isNegotiating, nextState, refusalOf, SESSION_STATES, statusOf, TRANSITIONS, type SessionEvent, type SessionState } from './session-states';
import { timelineOf } from './sessions.service';
import type { HistoryRecord } from './sessions.repository';

const EVENTS: SessionEvent[] = [
  { kind: 'proposed' },
  { kind: 'accepted', complete: false },
  { kind: 'accepted', complete: true },
  { kind: 'ledger-committed' },
  { kind: 'version-recorded' },
  { kind: 'ledger-failed' },
  { kind: 'expired' },
];
const label = (e: SessionEvent) => (e.kind === 'accepted' ? `accepted(${e.complete ? 'last' : 'some'})` : e.kind);

/** The whole table of docs/negotiation.md, written out: state × event → next state, or '-' when refused. */
const EXPECTED: Record<SessionState, Record<string, SessionState | '-'>> = {
  requested: { proposed: 'offered', 'accepted(some)': '-', 'accepted(last)': '-', 'ledger-committed': '-', 'version-recorded': '-', 'ledger-failed': '-', expired: 'terminated' },
  offered: { proposed: 'offered', 'accepted(some)': 'accepted', 'accepted(last)': 'agreed', 'ledger-committed': '-', 'version-recorded': '-', 'ledger-failed': '-', expired: 'terminated' },
  accepted: { proposed: 'offered', 'accepted(some)': 'accepted', 'accepted(last)': 'agreed', 'ledger-committed': '-', 'version-recorded': '-', 'ledger-failed': '-', expired: 'terminated' },
  agreed: { proposed: '-', 'accepted(some)': '-', 'accepted(last)': '-', 'ledger-committed': 'verified', 'version-recorded': 'finalized', 'ledger-failed': 'terminated', expired: '-' },
  verified: { proposed: '-', 'accepted(some)': '-', 'accepted(last)': '-', 'ledger-committed': '-', 'version-recorded': 'finalized', 'ledger-failed': '-', expired: '-' },
  finalized: { proposed: '-', 'accepted(some)': '-', 'accepted(last)': '-', 'ledger-committed': '-', 'version-recorded': '-', 'ledger-failed': '-', expired: '-' },
  terminated: { proposed: '-', 'accepted(some)': '-', 'accepted(last)': '-', 'ledger-committed': '-', 'version-recorded': '-', 'ledger-failed': '-', expired: '-' },
};

describe('session state machine', () => {
  for (const state of SESSION_STATES) {
    for (const event of EVENTS) {
      const expected = EXPECTED[state][label(event)];
      it(`${state} --${label(event)}--> ${expected}`, () => {
        if (expected === '-') {
          expect(() => nextState(state, event)).toThrow(IllegalTransition);
          expect(canTake(state, event.kind)).toBe(event.kind === 'accepted' && TRANSITIONS.accepted.from.includes(state));
        } else {
          expect(nextState(state, event)).toBe(expected);
          expect(canTake(state, event.kind)).toBe(true);
        }
      });
    }
  }

  it('finalized and terminated are final: no event leaves them', () => {
    for (const state of ['finalized', 'terminated'] as const) for (const e of EVENTS) expect(canTake(state, e.kind)).toBe(false);
  });

  it('the old status is a function of the state, and only requested/offered/accepted negotiate (and expire)', () => {
    expect(SESSION_STATES.map((s) => [s, statusOf(s), isNegotiating(s)])).toEqual([
      ['requested', 'open', true],
      ['offered', 'open', true],
      ['accepted', 'open', true],
      ['agreed', 'agreed', false],
      ['verified', 'formed', false],
      ['finalized', 'formed', false],
      ['terminated', 'failed', false],
    ]);
  });

  it('a write on a terminated session is SESSION_TERMINATED, on an agreed/verified/finalized one SESSION_CLOSED', () => {
    expect(SESSION_STATES.filter((s) => !isNegotiating(s)).map((s) => [s, refusalOf(s)])).toEqual([
      ['agreed', 'SESSION_CLOSED'],
      ['verified', 'SESSION_CLOSED'],
      ['finalized', 'SESSION_CLOSED'],
      ['terminated', 'SESSION_TERMINATED'],
    ]);
  });

  it('the timeline is the history entries that entered a state, a termination with its reason', () => {
    const h = (seq: number, change: HistoryRecord['change'], state: SessionState | null, detail: Record<string, unknown> = {}): HistoryRecord => ({
      seq,
      revision: seq > 1 ? 1 : null,
      change,
      state,
      mspId: null,
      enrollmentId: null,
      detail,
      at: `2026-01-01T00:00:0${seq}.000Z`,
    });
    expect(
      timelineOf([h(1, 'created', 'requested'), h(2, 'proposed', 'offered'), h(3, 'accepted', null), h(4, 'terminated', 'terminated', { code: 'SESSION_EXPIRED', message: 'no change for 60 s', from: 'offered' })]),
    ).toEqual([
      { state: 'requested', at: '2026-01-01T00:00:01.000Z', change: 'created', revision: null, reason: null },
      { state: 'offered', at: '2026-01-01T00:00:02.000Z', change: 'proposed', revision: 1, reason: null },
      { state: 'terminated', at: '2026-01-01T00:00:04.000Z', change: 'terminated', revision: 1, reason: { code: 'SESSION_EXPIRED', message: 'no change for 60 s' } },
    ]);
  });
});
