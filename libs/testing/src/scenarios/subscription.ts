import { randomBytes } from 'node:crypto';
import { call, negotiateAgreement, tokenAt, until, type Party } from './api';
import { registerDomainParticipant, type DomainMember } from './domains';

/** Where each service answers (the CLI passes the running services' URLs). */
export interface SubscriptionUrls {
  readonly marketplace: string;
  readonly negotiation: string;
}

export interface SubscriptionOptions {
  /** The operator's services. */
  readonly urls: SubscriptionUrls;
  /** The DSP and two VSPs, each in its own trust domain (its own CA issued the identity; its own bridge answers). */
  readonly members: { readonly dsp: DomainMember; readonly vsp1: DomainMember; readonly vsp2: DomainMember };
  readonly progress: (message: string) => void;
  /** The length of a period (short, so a run stays short; the DSP's own bridge charges at its sweep interval). */
  readonly periodSeconds?: number;
  /** The price of a period in minor units. */
  readonly amount?: bigint;
  /** β_1 (formation) and β_2 (the join) in ppm. */
  readonly betasPpm?: readonly [number, number];
  /** Periods version 1 must have charged before VSP_2 opens its join (at least 1). */
  readonly periodsBeforeJoin?: number;
  /** Periods version 2 must have charged (and relayed down to CH_1) before the scenario reads the result. */
  readonly periodsAfterJoin?: number;
  readonly timeoutMs?: number;
}

export interface EntitlementEvent {
  readonly allocationId: string;
  readonly source: { readonly kind: 'revenue'; readonly revenueId: string } | { readonly kind: 'relay'; readonly sourceChannel: string; readonly sourceTxId: string };
  readonly revenue?: { readonly kind: string; readonly reference?: string; readonly recordedBy: string };
  readonly lump: string;
  readonly amount: string;
  readonly split: { readonly payouts: ReadonlyArray<{ readonly mspId: string; readonly amount: string }>; readonly rest: string; readonly restTo: { readonly channel: string } | { readonly group: 'D' } };
  readonly txId: string;
  readonly atMs: number;
}

export interface MemberEntitlement {
  readonly mspId: string;
  readonly amount: string;
  readonly events: readonly EntitlementEvent[];
}

/** A subscription period charged on a version (revenue `period:<k>`). */
export interface PeriodCharge {
  readonly version: number;
  readonly period: number;
  /** When the period begins on the DAO's grid. */
  readonly startsAtMs: number;
  /** The lump recorded (the terms' price). */
  readonly amount: string;
  readonly recordedBy: string;
  readonly txId: string;
}

export interface SubscriptionVersion {
  readonly version: number;
  readonly channel: string;
  readonly createdAtMs: number;
  readonly successorCreatedAtMs?: number;
  /** The terms' price per period as the chaincode keeps it (`originMs` filled in by negotiation for the join). */
  readonly perPeriod: { readonly amount: string; readonly periodSeconds: number; readonly originMs?: number };
  readonly members: readonly string[];
}

export interface SubscriptionResult {
  readonly daoId: string;
  readonly dsp: string;
  readonly vsps: readonly [string, string];
  readonly betasPpm: readonly [number, number];
  readonly periodSeconds: number;
  readonly amount: string;
  /** When period 0 began: version 1's creation. */
  readonly originMs: number;
  readonly versions: readonly [SubscriptionVersion, SubscriptionVersion];
  /** Every period charged, on either version, in the order of the periods. */
  readonly charges: readonly PeriodCharge[];
  /** Each version's entitlements per member over the charges in `charges` (amount: their sum), with every revenue event's split. */
  readonly entitlements: Readonly<Record<1 | 2, readonly MemberEntitlement[]>>;
}

/** The subscription's terms: a price per period, no price per computation; heartbeats that never abandon anyone in a run. */
export function subscriptionTerms(amount: bigint, periodSeconds: number, recipients: string[], originMs?: number): Record<string, unknown> {
  return {
    durationDays: 1,
    businessModel: 'subscription',
    heartbeatIntervalSeconds: 60,
    abandonAfterSeconds: 86_400,
    exitNoticeSeconds: 0,
    computations: [{ name: 'mean', resultRecipients: recipients }],
    price: { currency: 'EUR', perPeriod: { amount: amount.toString(), periodSeconds, ...(originMs !== undefined ? { originMs } : {}) } },
  };
}

/** The periods charged on a channel: the revenue events `period:<k>` among its members' entitlements (each once). */
export function periodChargesOf(version: number, entitlements: readonly MemberEntitlement[], originMs: number, periodSeconds: number): PeriodCharge[] {
  const seen = new Map<string, PeriodCharge>();
  for (const member of entitlements) {
    for (const e of member.events) {
      if (e.source.kind !== 'revenue' || !e.source.revenueId.startsWith('period:') || seen.has(e.allocationId)) continue;
      const period = Number(e.source.revenueId.slice('period:'.length));
      seen.set(e.allocationId, { version, period, startsAtMs: originMs + period * periodSeconds * 1000, amount: e.lump, recordedBy: e.revenue?.recordedBy ?? '', txId: e.txId });
    }
  }
  return [...seen.values()].sort((a, b) => a.period - b.period);
}

/**
 * A subscription DAO end to end through the services, nothing injected: a DSP and VSP_1 negotiate
 * and sign a subscription priced per period; the ledger bridge creates version 1 on its channel; the
 * MPC coordinator learns it from the ledger's VersionCreated and charges each begun period
 * (ChargeSubscription through the bridge). Then VSP_2 joins (version 2, negotiated and signed by all;
 * the negotiation service continues the grid of periods in the join's terms), and the charges go on
 * on version 2 from its creation. The result has every period charged on each version and each
 * member's entitlements with every revenue event's split, read through the bridge as the DSP.
 */
export async function runSubscription(opts: SubscriptionOptions): Promise<SubscriptionResult> {
  const timeout = opts.timeoutMs ?? 240_000;
  const periodSeconds = opts.periodSeconds ?? 20;
  const amount = opts.amount ?? 9_900n;
  const betasPpm = opts.betasPpm ?? [800_000, 750_000];
  const before = Math.max(1, opts.periodsBeforeJoin ?? 2);
  const after = Math.max(1, opts.periodsAfterJoin ?? 2);
  const { urls, progress } = opts;
  const { members } = opts;
  for (const m of [members.dsp, members.vsp1, members.vsp2]) await registerDomainParticipant(urls.marketplace, m, progress, timeout);
  const party = (m: DomainMember): Party => ({ mspId: m.mspId, role: m.role, identity: m.identity, tokens: new Map() });
  const [dsp, vsp1, vsp2] = [party(members.dsp), party(members.vsp1), party(members.vsp2)];
  const as = async (who: Party, service: keyof SubscriptionUrls) => tokenAt(who, urls[service], timeout);
  const daoId = `sb${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const negotiate = (label: string, opener: Party, session: unknown, proposals: Array<{ by: Party; body: unknown }>, acceptors: Party[]) =>
    negotiateAgreement({ urls, progress, timeoutMs: timeout, as }, label, opener, session, proposals, acceptors);
  // Self-hosted workloads: nothing to provision, the scenario is about money.
  const workload = (p: Party, name: string) => ({ name, owner: p.mspId, placement: 'self-hosted', kind: p.role === 'DSP' ? 'mpc-node' : 'service' });

  progress(`forming subscription DAO ${daoId}: ${amount} EUR minor units every ${periodSeconds} s`);
  const v1Proposal = {
    betaPpm: betasPpm[0],
    members: [{ mspId: dsp.mspId }, { mspId: vsp1.mspId }],
    terms: subscriptionTerms(amount, periodSeconds, [vsp1.mspId]),
    infrastructure: { workloads: [workload(dsp, 'dsp-node'), workload(vsp1, 'vsp1-service')] },
  };
  await negotiate('formation', dsp, { kind: 'formation', daoId, parties: [dsp.mspId, vsp1.mspId] }, [{ by: dsp, body: v1Proposal }], [dsp, vsp1]);

  // Read as the DSP, a member of every version, through its own bridge (its own peer).
  type VersionView = { createdAtMs: number; successorCreatedAtMs?: number; terms: { price?: { perPeriod?: SubscriptionVersion['perPeriod'] } }; members: string[] };
  const bridge = members.dsp.bridgeUrl;
  const read = async <T>(version: number, what: 'state' | 'entitlements') => call<T>(`${bridge}/daos/${daoId}/versions/${version}/${what}`, { token: await tokenAt(dsp, bridge, timeout) });
  const state = async (version: number) => read<VersionView>(version, 'state');
  const entitlements = async (version: number) => read<MemberEntitlement[]>(version, 'entitlements');
  const v1 = await until('version 1 on the ledger', async () => state(1), timeout);
  const originMs = v1.terms.price?.perPeriod?.originMs ?? v1.createdAtMs;
  const chargesOn = async (version: number) => periodChargesOf(version, await entitlements(version), originMs, periodSeconds);

  progress(`waiting for ${dsp.mspId}'s own bridge to charge periods 0…${before - 1} on version 1`);
  await until(`periods 0…${before - 1} charged on dao-${daoId}-v1`, async () => ((await chargesOn(1)).length >= before ? true : undefined), timeout + before * periodSeconds * 1000, 2000);

  // The join's terms continue version 1's grid of periods: its origin, as a member reads it on its own
  // peer (the DSP here). The negotiation service fills one in only for a DAO whose channel events the
  // operator reads; it reads none of a DAO of domains (409 PERIODS_UNKNOWN for a join naming none).
  const v2Proposal = {
    betaPpm: betasPpm[1],
    members: [{ mspId: dsp.mspId }, { mspId: vsp1.mspId }, { mspId: vsp2.mspId }],
    terms: subscriptionTerms(amount, periodSeconds, [vsp1.mspId, vsp2.mspId], originMs),
    infrastructure: { workloads: [workload(vsp2, 'vsp2-service')] },
  };
  await negotiate('join', vsp2, { kind: 'join', daoId, joiners: [vsp2.mspId] }, [{ by: vsp2, body: v2Proposal }], [vsp2, vsp1, dsp]);
  const v2 = await until('version 2 on the ledger', async () => state(2), timeout);
  const v1After = await until('version 1 superseded', async () => {
    const s = await state(1);
    return s.successorCreatedAtMs !== undefined ? s : undefined;
  }, timeout);
  const periodMs = periodSeconds * 1000;
  const v1Periods = Math.ceil((v1After.successorCreatedAtMs! - originMs) / periodMs);

  progress(`version 2 created; waiting for periods ${v1Periods}… on version 2 and the rest of version 1's`);
  const v2Charges = await until(`${after} period(s) charged on dao-${daoId}-v2`, async () => {
    const charges = await chargesOn(2);
    return charges.length >= after ? charges : undefined;
  }, timeout + (after + 1) * periodMs, 2000);
  await until(`version 1's periods 0…${v1Periods - 1} charged and version 2's charges relayed to CH_1`, async () => {
    const e1 = await entitlements(1);
    const relayed = new Set(e1.flatMap((m) => m.events).flatMap((e) => (e.source.kind === 'relay' ? [e.source.sourceTxId] : [])));
    const charged = periodChargesOf(1, e1, originMs, periodSeconds).map((c) => c.period);
    const unrelayed = v2Charges.filter((c) => !relayed.has(c.txId));
    if (charged.length >= v1Periods && unrelayed.length === 0) return true;
    // Said in the timeout error: what is missing.
    throw new Error(`version 1 has periods [${charged.join(', ')}] charged of 0…${v1Periods - 1}; version 2's periods [${unrelayed.map((c) => `${c.period} (${c.txId})`).join(', ')}] not relayed to CH_1`);
  }, timeout, 2000);

  // Read last, all at once: the DSP's bridge goes on charging meanwhile.
  const [e1, e2] = [await entitlements(1), await entitlements(2)];
  const version = (n: 1 | 2, s: VersionView): SubscriptionVersion => ({
    version: n,
    channel: `dao-${daoId}-v${n}`,
    createdAtMs: s.createdAtMs,
    ...(s.successorCreatedAtMs !== undefined ? { successorCreatedAtMs: s.successorCreatedAtMs } : {}),
    perPeriod: s.terms.price!.perPeriod!,
    members: [...s.members],
  });
  const relayedTx = new Set(e1.flatMap((m) => m.events).flatMap((e) => (e.source.kind === 'relay' ? [e.source.sourceTxId] : [])));
  // Version 2's charges whose rest has reached CH_1 (a newer one may still be on its way).
  const c2 = periodChargesOf(2, e2, originMs, periodSeconds).filter((c) => relayedTx.has(c.txId));
  const c2Tx = new Set(c2.map((c) => c.txId));
  // A member's events of the charges above, and its amount over them.
  const kept = (m: MemberEntitlement, keep: (e: EntitlementEvent) => boolean): MemberEntitlement => {
    const events = m.events.filter(keep);
    return { mspId: m.mspId, amount: events.reduce((sum, e) => sum + BigInt(e.amount), 0n).toString(), events };
  };
  return {
    daoId,
    dsp: dsp.mspId,
    vsps: [vsp1.mspId, vsp2.mspId],
    betasPpm,
    periodSeconds,
    amount: amount.toString(),
    originMs,
    versions: [version(1, v1After), version(2, v2)],
    charges: [...periodChargesOf(1, e1, originMs, periodSeconds), ...c2].sort((a, b) => a.period - b.period || a.version - b.version),
    entitlements: {
      1: e1.map((m) => kept(m, (e) => e.source.kind === 'revenue' || c2Tx.has(e.source.sourceTxId))),
      2: e2.map((m) => kept(m, (e) => e.source.kind === 'relay' || c2Tx.has(e.txId))),
    },
  };
}
