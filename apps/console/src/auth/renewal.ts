/*
 * A sign-in at one service may fail while the others succeed: the service is down for a moment, or
 * has not learnt of the organisation yet (a member's own bridge, provisioner and telemetry learn it
 * from the member's own peer, which joins `marketplace` up to a minute after the admission). The page
 * then signs in there again on its own with the key it holds, sooner at first and then less often,
 * until it has the token; a service this console does not serve at all (404 from its proxy) is not
 * asked again.
 */

/** A service's token in the session, or why the page has none (and how often it asked again). */
export type ServiceToken = { token: string; expiresAt: string } | { error: string; absent?: true; attempts?: number };

/** The services a session signs in at besides the marketplace, each issuing its own tokens. */
export const OTHER_SERVICES = ['negotiation', 'member', 'provisioner', 'telemetry', 'coordinator', 'operator'] as const;
export type OtherService = (typeof OTHER_SERVICES)[number];

/** Whether a service's sign-in failed for a reason that may pass (an error, the service not absent): the page asks it again. */
export function renewing(at: ServiceToken | undefined): boolean {
  return at !== undefined && 'error' in at && at.absent !== true;
}

/** The services the page asks again (see renewing). */
export function renewable(session: Partial<Record<OtherService, ServiceToken>>): OtherService[] {
  return OTHER_SERVICES.filter((s) => renewing(session[s]));
}

/** The fewest attempts made yet among `services` (the next attempt's delay follows it). */
export function attemptsOf(session: Partial<Record<OtherService, ServiceToken>>, services: readonly OtherService[]): number {
  return Math.min(...services.map((s) => {
    const at = session[s];
    return at && 'error' in at ? (at.attempts ?? 0) : 0;
  }));
}

/** How long to wait before attempt `attempts + 1`: 3 s, doubling, at most 30 s. */
export function retryDelayMs(attempts: number): number {
  return Math.min(3000 * 2 ** Math.max(0, attempts), 30_000);
}

/** The session's entry after one more attempt: the token, or the new reason with the attempt counted. */
export function afterAttempt(previous: ServiceToken | undefined, result: ServiceToken): ServiceToken {
  if ('token' in result) return result;
  const attempts = (previous && 'error' in previous ? (previous.attempts ?? 0) : 0) + 1;
  return { ...result, attempts };
}

/**
 * Where the signed-in organisation's writes (its offers) go: `ready`, its own bridge, whose token the
 * page holds; `pending`, its own bridge, where the page has not got a token yet and is signing in again
 * (the bridge learns a newly admitted organisation from its own peer up to a minute after the
 * admission); `none`, the marketplace (no bridge of its own behind this console).
 */
export type OwnBridge = 'ready' | 'pending' | 'none';

export function ownBridgeOf(member: ServiceToken | undefined): OwnBridge {
  if (member === undefined) return 'none';
  if ('token' in member) return 'ready';
  return renewing(member) ? 'pending' : 'none';
}

/** The own bridge has still not given the page a token (see whenOwnBridgeSettled). */
export class OwnBridgePendingError extends Error {
  constructor(seconds: number) {
    super(`Your organisation's own ledger bridge has not signed you in after ${seconds} s (it learns of a newly admitted organisation from its own peer); the page keeps signing in there: try again in a moment.`);
    this.name = 'OwnBridgePendingError';
  }
}

/**
 * Waits, reading `current` every `everyMs`, until the own bridge is not `pending` any more, and says
 * where a write goes then. A write made while it is pending waits for its token instead of going to
 * the marketplace, which signs nothing for an organisation in its own trust domain. Throws
 * OwnBridgePendingError after `timeoutMs`.
 */
export async function whenOwnBridgeSettled(current: () => ServiceToken | undefined, timeoutMs = 90_000, everyMs = 500): Promise<'ready' | 'none'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = ownBridgeOf(current());
    if (state !== 'pending') return state;
    if (Date.now() >= deadline) throw new OwnBridgePendingError(Math.round(timeoutMs / 1000));
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
