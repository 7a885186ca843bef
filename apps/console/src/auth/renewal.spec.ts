import { afterAttempt, attemptsOf, OwnBridgePendingError, ownBridgeOf, renewable, retryDelayMs, whenOwnBridgeSettled, type ServiceToken } from './renewal';

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

describe("where the organisation's writes go", () => {
  it('are its own bridge with a token, pending while the page signs in there again, and the marketplace without a bridge behind the console', () => {
    expect(ownBridgeOf({ token: 't', expiresAt: '2026-12-08T00:00:00Z' })).toBe('ready');
    expect(ownBridgeOf({ error: 'UNKNOWN_ORGANISATION', attempts: 2 })).toBe('pending');
    expect(ownBridgeOf({ error: 'not behind this console', absent: true })).toBe('none');
    expect(ownBridgeOf(undefined)).toBe('none');
  });

  it('wait while the own bridge is pending, and go there once its token comes', async () => {
    let member: ServiceToken = { error: 'UNKNOWN_ORGANISATION', attempts: 1 };
    setTimeout(() => (member = { token: 't', expiresAt: '2026-12-08T00:00:00Z' }), 60);
    const started = Date.now();
    await expect(whenOwnBridgeSettled(() => member, 5_000, 10)).resolves.toBe('ready');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    await expect(whenOwnBridgeSettled(() => ({ error: 'x', absent: true }), 5_000, 10)).resolves.toBe('none');
  });

  it('fail with a clear error when the own bridge stays pending, instead of going to the marketplace', async () => {
    await expect(whenOwnBridgeSettled(() => ({ error: 'UNKNOWN_ORGANISATION', attempts: 4 }), 30, 10)).rejects.toThrow(OwnBridgePendingError);
    await expect(whenOwnBridgeSettled(() => ({ error: 'UNKNOWN_ORGANISATION' }), 30, 10)).rejects.toThrow("Your organisation's own ledger bridge has not signed you in after 0 s");
  });
});
