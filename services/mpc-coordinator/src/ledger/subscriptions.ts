import { DAO, daoChannelName, ledgerCommandId, parseDaoChannel, type LedgerCommand, type LedgerEvent, type VersionCreatedPayload } from '@datawell/contracts';

/**
 * Subscription charging, pure. A version whose terms are a subscription with a price per period
 * (VersionCreated: terms.price.perPeriod, createdAtMs, contractEndsAtMs) is charged period k
 * (k = 0, 1, …, beginning at the grid's origin + k · periodSeconds, before the term ends) by the
 * command ChargeSubscription(k) on its channel, acting as a founding member; the chaincode takes the
 * amount from the terms and charges each period once. The DAO keeps one grid of periods across its
 * versions (origin `price.perPeriod.originMs`, else the version's creation): a version charges the
 * periods that begin from its creation until its successor's: the successor's VersionCreated
 * (version n+1 on its own channel, createdAtMs) ends version n's charging there, so a period that
 * begins between the successor's creation and version n's VersionSuperseded is not sent to both;
 * VersionSuperseded ends it at `successorCreatedAtMs` too, and without it (an older chaincode) stops
 * it. A dissolved version (MemberAbandoned / MemberExited with `dissolved`, or an accepted dissolve:
 * ProposalDecided with `effect.dissolved`) is charged no period that begins at or after its
 * dissolution (the chaincode refuses every charge of a dissolved version anyway).
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
  | { readonly kind: 'superseded'; readonly daoId: string; readonly version: number; readonly successorCreatedAtMs?: number }
  /** The version's charging ends: no period beginning at or after `endedAtMs` is sent (its successor was created, or it was dissolved). */
  | { readonly kind: 'ended'; readonly daoId: string; readonly version: number; readonly endedAtMs: number; readonly reason: 'successor-created' | 'dissolved' };

/**
 * What one ledger event changes in the subscriptions, in order (none for anything else):
 * VersionCreated of version n+1 ends version n's charging at its creation (n ≥ 1, whatever the
 * successor's terms) and, for a priced subscription, makes it one to charge; VersionSuperseded
 * supersedes its version; a dissolution ends its version's charging at its time: the payload's
 * (`decidedAtMs` of an abandonment, `exitedAtMs` of an exit), else `eventAtMs`, the ledger event's
 * (the CloudEvent's time; ProposalDecided carries none).
 */
export function subscriptionUpdatesOf(event: LedgerEvent, eventAtMs?: number): SubscriptionUpdate[] {
  const channel = parseDaoChannel(event.channel);
  if (!channel || event.payloadEncoding !== 'json') return [];
  const at = { daoId: channel.daoId, version: channel.level };
  const dissolvedAt = (ms: number | undefined): SubscriptionUpdate[] => {
    const endedAtMs = ms ?? eventAtMs;
    return endedAtMs !== undefined && Number.isSafeInteger(endedAtMs) && endedAtMs >= 0 ? [{ kind: 'ended', ...at, endedAtMs, reason: 'dissolved' }] : [];
  };
  switch (event.eventName) {
    case DAO.event.VersionSuperseded: {
      const p = DAO.events.VersionSuperseded.safeParse(event.payload);
      const successorCreatedAtMs = p.success ? p.data.successorCreatedAtMs : undefined;
      return [{ kind: 'superseded', ...at, ...(successorCreatedAtMs !== undefined ? { successorCreatedAtMs } : {}) }];
    }
    case DAO.event.MemberAbandoned:
    case DAO.event.MemberExited: {
      const p = DAO.events.MemberExited.safeParse(event.payload);
      if (!p.success || p.data.dissolved !== true) return [];
      return dissolvedAt(event.eventName === DAO.event.MemberAbandoned ? p.data.decidedAtMs : p.data.exitedAtMs);
    }
    case DAO.event.ProposalDecided: {
      const p = DAO.events.ProposalDecided.safeParse(event.payload);
      return p.success && p.data.outcome === 'accepted' && p.data.effect?.dissolved === true ? dissolvedAt(undefined) : [];
    }
    case DAO.event.VersionCreated:
      return versionCreatedUpdates(event, channel);
    default:
      return [];
  }
}

function versionCreatedUpdates(event: LedgerEvent, channel: { readonly daoId: string; readonly level: number }): SubscriptionUpdate[] {
  const p = DAO.events.VersionCreated.safeParse(event.payload);
  if (!p.success || p.data.daoId !== channel.daoId || p.data.version !== channel.level) return [];
  // The predecessor's periods that begin from this version's creation are this version's (or nobody's, if it is not a subscription).
  const predecessor: SubscriptionUpdate[] =
    channel.level > 1 && p.data.createdAtMs !== undefined ? [{ kind: 'ended', daoId: channel.daoId, version: channel.level - 1, endedAtMs: p.data.createdAtMs, reason: 'successor-created' }] : [];
  const subscription = pricedSubscription(p.data, channel);
  return subscription ? [...predecessor, { kind: 'subscription', subscription }] : predecessor;
}

function pricedSubscription(data: VersionCreatedPayload, channel: { readonly daoId: string; readonly level: number }): Subscription | undefined {
  const terms = data.terms as { businessModel?: unknown; price?: { perPeriod?: { periodSeconds?: unknown; originMs?: unknown } } } | undefined;
  const periodSeconds = terms?.price?.perPeriod?.periodSeconds;
  const originMs = terms?.price?.perPeriod?.originMs;
  const founder = data.members.find((m) => m.group === 'D');
  if (terms?.businessModel !== 'subscription' || typeof periodSeconds !== 'number' || !Number.isSafeInteger(periodSeconds) || periodSeconds < 1) return undefined;
  if (originMs !== undefined && (typeof originMs !== 'number' || !Number.isSafeInteger(originMs) || originMs < 0)) return undefined;
  if (data.createdAtMs === undefined || data.contractEndsAtMs === undefined || !founder) return undefined;
  const startsAtMs = originMs ?? data.createdAtMs;
  const firstPeriod = Math.max(0, Math.ceil((data.createdAtMs - startsAtMs) / (periodSeconds * 1000)));
  return { daoId: channel.daoId, version: channel.level, periodSeconds, startsAtMs, endsAtMs: data.contractEndsAtMs, firstPeriod, actingMspId: founder.mspId };
}

/** How many periods have begun by `nowMs` (0 before the first), never past the last one before the term ends. */
export function periodsBegun(s: Pick<Subscription, 'periodSeconds' | 'startsAtMs' | 'endsAtMs'>, nowMs: number): number {
  if (nowMs < s.startsAtMs) return 0;
  const periodMs = s.periodSeconds * 1000;
  const inTerm = Math.max(0, Math.ceil((s.endsAtMs - s.startsAtMs) / periodMs));
  return Math.min(Math.floor((nowMs - s.startsAtMs) / periodMs) + 1, inTerm);
}

/** ChargeSubscription(k) on the version's channel; its command id names the channel and the period, so a repeat is the same command. */
export function chargeSubscriptionCommand(s: Pick<Subscription, 'daoId' | 'version' | 'actingMspId'>, period: number): LedgerCommand {
  const channel = daoChannelName(s.daoId, s.version);
  return DAO.command(DAO.tx.ChargeSubscription, { commandId: ledgerCommandId('mpc-coordinator', 'charge-subscription', channel, period), channel, actingMspId: s.actingMspId }, String(period));
}
