import { afterAttempt, attemptsOf, renewable, retryDelayMs } from './renewal';

describe('signing in again at a service the page has no token of', () => {
  const token = { token: 't', expiresAt: '2026-12-07T21:00:00Z' };

  it('asks again only where the sign-in failed and the console serves the service', () => {
    expect(renewable({ negotiation: token, member: { error: 'unknown organisation' }, provisioner: { error: 'no answer within 20 s' }, telemetry: token })).toEqual(['member', 'provisioner']);
    // Not behind this console (its proxy's 404): asking again cannot help.
    expect(renewable({ member: { error: 'no service "member" behind this console', absent: true } })).toEqual([]);
    // A service the session never signs in at (the operator's bridge for a member) is not asked.
    expect(renewable({ negotiation: token })).toEqual([]);
  });

  it('waits 3 s, then twice as long after each failed attempt, never more than 30 s', () => {
    expect([0, 1, 2, 3, 4, 10].map(retryDelayMs)).toEqual([3000, 6000, 12_000, 24_000, 30_000, 30_000]);
  });

  it('counts the failed attempts per service and keeps the latest reason; a token ends them', () => {
    const once = afterAttempt({ error: 'first' }, { error: 'second' });
    expect(once).toEqual({ error: 'second', attempts: 1 });
    const twice = afterAttempt(once, { error: 'third' });
    expect(twice).toEqual({ error: 'third', attempts: 2 });
    expect(afterAttempt(twice, token)).toEqual(token);
    // The next delay follows the service asked least often.
    expect(attemptsOf({ member: twice, telemetry: once, negotiation: token }, ['member', 'telemetry'])).toBe(1);
  });
});
