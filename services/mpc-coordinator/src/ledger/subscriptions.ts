import { DAO, daoChannelName, ledgerCommandId, parseDaoChannel, type LedgerCommand, type LedgerEvent } from '@datawell/contracts';

/**
 * Subscription charging, pure. A version whose terms are a subscription with a price per period
 * (VersionCreated: terms.price.perPeriod, createdAtMs, contractEndsAtMs) is charged period k
 * (k = 0, 1, …, beginning at createdAtMs + k · periodSeconds, before the term ends) by the command
 * ChargeSubscription(k) on its channel, acting as a founding member; the chaincode takes the amount
 * from the terms and charges each period once. A superseded version is no longer charged (its
 * successor's terms are).
 */
export interface Subscription {
  readonly daoId: string;
  readonly version: number;
  readonly periodSeconds: number;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  /** The founding member the commands act as. */
  readonly actingMspId: string;
}

export type SubscriptionUpdate = { readonly kind: 'subscription'; readonly subscription: Subscription } | { readonly kind: 'superseded'; readonly daoId: string; readonly version: number };

/** What VersionCreated (a priced subscription) or VersionSuperseded changes in the subscriptions; undefined for anything else. */
export function subscriptionUpdateOf(event: LedgerEvent): SubscriptionUpdate | undefined {
  const channel = parseDaoChannel(event.channel);
  if (!channel || event.payloadEncoding !== 'json') return undefined;
  if (event.eventName === DAO.event.VersionSuperseded) return { kind: 'superseded', daoId: channel.daoId, version: channel.level };
  if (event.eventName !== DAO.event.VersionCreated) return undefined;
  const p = DAO.events.VersionCreated.safeParse(event.payload);
  if (!p.success || p.data.daoId !== channel.daoId || p.data.version !== channel.level) return undefined;
  const terms = p.data.terms as { businessModel?: unknown; price?: { perPeriod?: { periodSeconds?: unknown } } } | undefined;
  const periodSeconds = terms?.price?.perPeriod?.periodSeconds;
  const founder = p.data.members.find((m) => m.group === 'D');
  if (terms?.businessModel !== 'subscription' || typeof periodSeconds !== 'number' || !Number.isSafeInteger(periodSeconds) || periodSeconds < 1) return undefined;
  if (p.data.createdAtMs === undefined || p.data.contractEndsAtMs === undefined || !founder) return undefined;
  return {
    kind: 'subscription',
    subscription: { daoId: channel.daoId, version: channel.level, periodSeconds, startsAtMs: p.data.createdAtMs, endsAtMs: p.data.contractEndsAtMs, actingMspId: founder.mspId },
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
