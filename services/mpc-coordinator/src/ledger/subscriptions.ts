import { DAO, daoChannelName, ledgerCommandId, parseDaoChannel, type LedgerCommand, type LedgerEvent } from '@datawell/contracts';

/**
 * Subscription charging, pure. A version whose terms are a subscription with a price per period
 * (VersionCreated: terms.price.perPeriod, createdAtMs, contractEndsAtMs) is charged period k
 * (k = 0, 1, …, beginning at the grid's origin + k · periodSeconds, before the term ends) by the
 * command ChargeSubscription(k) on its channel, acting as a founding member; the chaincode takes the
 * amount from the terms and charges each period once. The DAO keeps one grid of periods across its
 * versions (origin `price.perPeriod.originMs`, else the version's creation): a version charges the
 * periods that begin from its creation until its successor's (VersionSuperseded names when the
 * successor was created); a version superseded before that was known is no longer charged.
 */
export interface Subscription {
  readonly daoId: string;
  readonly version: number;
  readonly periodSeconds: number;
  /** The grid's origin: when period 0 begins. */
  readonly startsAtMs: number;
  /** The charging ends with the first period beginning at or after this: the term's end, or the successor's creation. */
  readonly endsAtMs: number;
  /** The version's first period: the first that begins at or after its creation. */
  readonly firstPeriod: number;
  /** The founding member the commands act as. */
  readonly actingMspId: string;
}

export type SubscriptionUpdate =
  | { readonly kind: 'subscription'; readonly subscription: Subscription }
  | { readonly kind: 'superseded'; readonly daoId: string; readonly version: number; readonly successorCreatedAtMs?: number };

/** What VersionCreated (a priced subscription) or VersionSuperseded changes in the subscriptions; undefined for anything else. */
export function subscriptionUpdateOf(event: LedgerEvent): SubscriptionUpdate | undefined {
  const channel = parseDaoChannel(event.channel);
  if (!channel || event.payloadEncoding !== 'json') return undefined;
  if (event.eventName === DAO.event.VersionSuperseded) {
    const p = DAO.events.VersionSuperseded.safeParse(event.payload);
    const successorCreatedAtMs = p.success ? p.data.successorCreatedAtMs : undefined;
    return { kind: 'superseded', daoId: channel.daoId, version: channel.level, ...(successorCreatedAtMs !== undefined ? { successorCreatedAtMs } : {}) };
  }
  if (event.eventName !== DAO.event.VersionCreated) return undefined;
  const p = DAO.events.VersionCreated.safeParse(event.payload);
  if (!p.success || p.data.daoId !== channel.daoId || p.data.version !== channel.level) return undefined;
  const terms = p.data.terms as { businessModel?: unknown; price?: { perPeriod?: { periodSeconds?: unknown; originMs?: unknown } } } | undefined;
  const periodSeconds = terms?.price?.perPeriod?.periodSeconds;
  const originMs = terms?.price?.perPeriod?.originMs;
  const founder = p.data.members.find((m) => m.group === 'D');
  if (terms?.businessModel !== 'subscription' || typeof periodSeconds !== 'number' || !Number.isSafeInteger(periodSeconds) || periodSeconds < 1) return undefined;
  if (originMs !== undefined && (typeof originMs !== 'number' || !Number.isSafeInteger(originMs) || originMs < 0)) return undefined;
  if (p.data.createdAtMs === undefined || p.data.contractEndsAtMs === undefined || !founder) return undefined;
  const startsAtMs = originMs ?? p.data.createdAtMs;
  const firstPeriod = Math.max(0, Math.ceil((p.data.createdAtMs - startsAtMs) / (periodSeconds * 1000)));
  return {
    kind: 'subscription',
    subscription: { daoId: channel.daoId, version: channel.level, periodSeconds, startsAtMs, endsAtMs: p.data.contractEndsAtMs, firstPeriod, actingMspId: founder.mspId },
  };
}

/** How many periods have begun by `nowMs` (0 before the first), never past the last one before the term ends. */
export function periodsBegun(s: Pick<Subscription, 'periodSeconds' | 'startsAtMs' | 'endsAtMs'>, nowMs: number): number {
  if (nowMs < s.startsAtMs) return 0;
  const periodMs = s.periodSeconds * 1000;
  const inTerm = Math.ceil((s.endsAtMs - s.startsAtMs) / periodMs);
  return Math.min(Math.floor((nowMs - s.startsAtMs) / periodMs) + 1, inTerm);
}

/** ChargeSubscription(k) on the version's channel; its command id names the channel and the period, so a repeat is the same command. */
export function chargeSubscriptionCommand(s: Pick<Subscription, 'daoId' | 'version' | 'actingMspId'>, period: number): LedgerCommand {
  const channel = daoChannelName(s.daoId, s.version);
  return DAO.command(DAO.tx.ChargeSubscription, { commandId: ledgerCommandId('mpc-coordinator', 'charge-subscription', channel, period), channel, actingMspId: s.actingMspId }, String(period));
}
