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
