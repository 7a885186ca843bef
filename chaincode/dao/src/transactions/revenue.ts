import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitPrivate, forbidden, invalidArgument, notFound, queryChaincode, txTimeMs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
import { revenueRecordersOf } from '@datawell/domain';
import { allocateLump } from '../allocation';
import type { AllocationRelay, Revenue } from '../arguments';
import { DaoStore, allocationView, contractEndsAtMs, periodGrid, type AllocationRecord, type AllocationState, type EntitlementState, type VersionRecord, type VersionState } from '../state';
import { legacyRevenue } from './legacy-layout';

/** Revenue ids of metered computations (`job:<jobId>`) and charged periods (`period:<k>`): kept for the chaincode, refused in RecordRevenue. */
const METERED_PREFIX = 'job:';
const PERIOD_PREFIX = 'period:';

/**
 * Records revenue of the DAO in this channel (the top channel records what the DAO earns) and
 * allocates it at this level. Only the members the terms name may record revenue (terms.revenueRecorders,
 * or the founding group D when the terms name none): anyone else is refused with
 * FORBIDDEN: NOT_REVENUE_RECORDER. The recorder is attributed.
 * Event RevenueRecorded with the allocation (payouts, rest and where it goes).
 * On the ledger: two reads (the version record with its members, the allocation key of this
 * revenue id) in one message and two writes (the allocation, which holds the revenue's details
 * and payouts, and its transaction index) in another: two shim round trips per endorsement.
 */
export async function recordRevenue(ctx: Context, revenue: Revenue): Promise<string> {
  const store = new DaoStore(ctx);
  if (revenue.revenueId.startsWith(METERED_PREFIX)) throw invalidArgument(`revenue.revenueId: ids starting with "${METERED_PREFIX}" are those of metered computations`);
  if (revenue.revenueId.startsWith(PERIOD_PREFIX)) throw invalidArgument(`revenue.revenueId: ids starting with "${PERIOD_PREFIX}" are those of charged subscription periods`);
  const allocationId = `revenue:${revenue.revenueId}`;
  const [, recorded] = await store.versionAndAllocation(allocationId);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('record revenue');
  if (!revenueRecordersOf(version.terms, version.memberStates).includes(caller.mspId)) {
    throw forbidden(`NOT_REVENUE_RECORDER: ${caller.mspId} is not named by the terms to record revenue (${version.terms.revenueRecorders ? 'terms.revenueRecorders' : 'the founding group D, as the terms name no recorders'})`);
  }
  if (recorded) {
    // Idempotent for a retried submission of the same revenue; a different one under the same id is refused.
    const previous = recorded.revenue ?? (await legacyRevenue(store, revenue.revenueId));
    if (recorded.lump === revenue.amount.toString() && previous.kind === revenue.kind && previous.reference === revenue.reference) {
      return canonicalJson(allocationView(recorded));
    }
    throw conflict(`revenue ${revenue.revenueId} is already recorded with other content (amount ${recorded.lump}, kind ${previous.kind})`);
  }
  if (version.successorChannel) throw conflict(`version ${version.version} is superseded: record revenue on the top channel (${version.successorChannel} or later)`);
  const expectedKind = version.terms.businessModel === 'pay-per-use' ? 'use' : 'subscription-period';
  if (revenue.kind !== expectedKind) throw invalidArgument(`revenue.kind: this DAO's business model is ${version.terms.businessModel}, so revenue is per ${expectedKind}`);
  return canonicalJson(await revenueAllocation(ctx, store, version, { revenueId: revenue.revenueId, amount: revenue.amount, kind: revenue.kind, reference: revenue.reference, recordedBy: caller.mspId }));
}

/** What MeterComputation did: the revenue of a computation, or why it recorded none. */
export type Metering =
  | { readonly jobId: string; readonly metered: true; readonly revenueId: string; readonly amount: string; readonly currency: string; readonly allocation: AllocationState }
  | { readonly jobId: string; readonly metered: false; readonly reason: 'no-price' };

/**
 * Meters a completed computation recorded on this channel (pay-per-use): when the terms carry a price
 * per computation, records revenue of that price under revenue id `job:<jobId>` (kind `use`), allocated
 * like any revenue (event RevenueRecorded with `metered` and `jobId`). The amount is the terms', not
 * the caller's, so any active member may ask (the coordinator, acting as the computation's recorder,
 * once ComputationCompleted committed). Idempotent by job: a repeat returns the first revenue and
 * writes nothing. Without a price it records nothing and says why. A computation is metered on the
 * channel of the version that ran it, at that version's price and split from that level down, also once
 * the version is superseded (its ComputationCompleted may commit, or its metering arrive, after
 * VersionSuperseded): the members who joined later took no part in it. A subscription DAO's
 * computations are not metered (INVALID_ARGUMENT), nor a job this channel never recorded (NOT_FOUND).
 */
export async function meterComputation(ctx: Context, jobId: string): Promise<string> {
  const store = new DaoStore(ctx);
  const revenueId = meteredRevenueId(jobId);
  const [, recorded] = await store.versionAndAllocation(`revenue:${revenueId}`);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('meter computations');
  const price = version.terms.price?.perComputation;
  const currency = version.terms.price?.currency ?? '';
  if (recorded) return canonicalJson({ jobId, metered: true, revenueId, amount: recorded.lump, currency, allocation: allocationView(recorded) } satisfies Metering);
  if (version.terms.businessModel !== 'pay-per-use') throw invalidArgument(`jobId: this DAO's business model is ${version.terms.businessModel}: computations are not charged one by one`);
  const computation = await store.get<{ jobId: string }>('computation', jobId);
  if (!computation) throw notFound(`no computation ${jobId} is recorded on ${ctx.stub.getChannelID()}`);
  if (!price) return canonicalJson({ jobId, metered: false, reason: 'no-price' } satisfies Metering);
  const allocation = await revenueAllocation(ctx, store, version, { revenueId, amount: BigInt(price), kind: 'use', reference: `computation ${jobId}`, recordedBy: caller.mspId, jobId });
  return canonicalJson({ jobId, metered: true, revenueId, amount: price, currency, allocation } satisfies Metering);
}

/** What ChargeSubscription did: the revenue of a period, or why it recorded none. */
export type PeriodCharge =
  | { readonly period: number; readonly charged: true; readonly revenueId: string; readonly amount: string; readonly currency: string; readonly startsAtMs: number; readonly allocation: AllocationState }
  | { readonly period: number; readonly charged: false; readonly reason: 'no-price' };

/**
 * Charges subscription period k (0, 1, …; period k begins at the grid's origin + k · periodSeconds:
 * the terms' `price.perPeriod.originMs`, else the version's creation) at the terms'
 * `price.perPeriod.amount`: revenue `period:<k>`, kind `subscription-period`, allocated like any
 * revenue (event RevenueRecorded with `period`). Any active member may ask, as the amount is the
 * terms'; once per period (a repeat returns the first charge and writes nothing). Each period is
 * charged on the version that is top when it begins: refused (CONFLICT) before the period begins,
 * for one that began before this version was created (its predecessor's), for one that begins once
 * a successor exists (the successor's) or after the version's term; INVALID_ARGUMENT on a
 * pay-per-use DAO. Without a price it records nothing and says so.
 */
export async function chargeSubscription(ctx: Context, periodText: string): Promise<string> {
  const period = Number(periodText);
  const store = new DaoStore(ctx);
  const revenueId = `${PERIOD_PREFIX}${period}`;
  const [, recorded] = await store.versionAndAllocation(`revenue:${revenueId}`);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('charge subscriptions');
  const grid = periodGrid(version);
  const currency = version.terms.price?.currency ?? '';
  const startsAtMs = grid ? grid.originMs + period * grid.periodMs : version.createdAtMs;
  if (recorded) return canonicalJson({ period, charged: true, revenueId, amount: recorded.lump, currency, startsAtMs, allocation: allocationView(recorded) } satisfies PeriodCharge);
  if (version.terms.businessModel !== 'subscription') throw invalidArgument(`period: this DAO's business model is ${version.terms.businessModel}: it is charged per computation, not per period`);
  const price = version.terms.price?.perPeriod;
  if (!grid || !price) return canonicalJson({ period, charged: false, reason: 'no-price' } satisfies PeriodCharge);
  const at = (ms: number) => new Date(ms).toISOString();
  if (startsAtMs < version.createdAtMs) throw conflict(`period ${period} began at ${at(startsAtMs)}, before version ${version.version} was created (${at(version.createdAtMs)}): it is charged on the version that was top then`);
  // The join window (a period beginning between version i+1's InitVersion and RecordSuccessor here) is
  // closed by the MPC coordinator (the successor's VersionCreated ends this version's charging), not
  // here: this channel's state does not know its successor before RecordSuccessor, and a cross-channel
  // read of CH_{i+1} from this transaction is answered from the endorser's own copy at endorsement and
  // not validated at commit (a peer that has not yet committed InitVersion answers "none", as does one
  // of a DAO with no successor at all), so it could not refuse soundly. The sound check would be on the
  // successor (read this channel, refuse until it names the successor, and any period charged here),
  // which costs a cross-channel query per charge (the joiner's peer cannot endorse it) and makes the
  // coordinator wait for VersionSuperseded before charging a successor, or its refused periods are lost.
  if (version.successorChannel && (version.successorCreatedAtMs === undefined || startsAtMs >= version.successorCreatedAtMs)) {
    throw conflict(`version ${version.version} is superseded: period ${period} begins at ${at(startsAtMs)}, when ${version.successorChannel} is top: charge it there`);
  }
  const now = txTimeMs(ctx);
  if (now < startsAtMs) throw conflict(`period ${period} begins at ${at(startsAtMs)}, after this transaction's time`);
  const endsAtMs = contractEndsAtMs(version);
  if (startsAtMs >= endsAtMs) throw conflict(`period ${period} would begin at ${at(startsAtMs)}, once the term of version ${version.version} has ended`);
  const allocation = await revenueAllocation(ctx, store, version, { revenueId, amount: BigInt(price.amount), kind: 'subscription-period', reference: `period ${period} from ${at(startsAtMs)}`, recordedBy: caller.mspId, period });
  return canonicalJson({ period, charged: true, revenueId, amount: price.amount, currency, startsAtMs, allocation } satisfies PeriodCharge);
}

/** `job:<jobId>`, or `job:<sha256 of the job id>` when that would pass the 128 characters of a revenue id. */
export function meteredRevenueId(jobId: string): string {
  const id = `${METERED_PREFIX}${jobId}`;
  return id.length <= 128 ? id : `${METERED_PREFIX}${createHash('sha256').update(jobId).digest('hex')}`;
}

/** Allocates a revenue at this level and emits RevenueRecorded. */
async function revenueAllocation(
  ctx: Context,
  store: DaoStore,
  version: VersionRecord,
  r: { revenueId: string; amount: bigint; kind: 'use' | 'subscription-period'; reference: string | undefined; recordedBy: string; jobId?: string; period?: number },
): Promise<AllocationState> {
  const allocation = await allocate(ctx, store, version, r.amount, { kind: 'revenue', revenueId: r.revenueId }, `revenue:${r.revenueId}`, {
    kind: r.kind,
    reference: r.reference,
    recordedBy: r.recordedBy,
  });
  emitPrivate(
    ctx,
    DAO.emitted(DAO.event.RevenueRecorded, {
      revenueId: r.revenueId,
      amount: r.amount.toString(),
      kind: r.kind,
      recordedBy: r.recordedBy,
      ...(r.jobId !== undefined ? { metered: true, jobId: r.jobId } : {}),
      ...(r.period !== undefined ? { metered: true, period: r.period } : {}),
      allocation: { ...allocation, payouts: [...allocation.payouts] },
    }),
  );
  return allocation;
}

/**
 * The rest of an allocation on channel dao-<d>-v<i+1>, relayed here by the DSP's ledger bridge.
 * Idempotent by (source channel, source transaction id): a repeat returns the first allocation and
 * writes nothing; a repeat with another amount is a CONFLICT. Only members of D may relay.
 * Event AllocationReceived with this level's allocation.
 */
export async function allocationReceived(ctx: Context, relay: AllocationRelay): Promise<string> {
  const store = new DaoStore(ctx);
  // The allocation of a relay is its receipt: keyed by source channel and transaction, its lump is the amount received.
  const allocationId = `relay:${relay.sourceChannel}:${relay.sourceTxId}`;
  const [version, previous] = await store.versionAndAllocation(allocationId);
  await store.activeCaller('relay allocations', { foundingOnly: true });
  const expected = `dao-${version.daoId}-v${version.version + 1}`;
  if (relay.sourceChannel !== expected) throw invalidArgument(`relay.sourceChannel: allocations reach ${version.channel} only from ${expected}`);
  if (previous) {
    if (previous.lump !== relay.amount.toString()) throw conflict(`relay ${relay.sourceChannel}/${relay.sourceTxId} was received with amount ${previous.lump}, not ${relay.amount}`);
    return canonicalJson(allocationView(previous));
  }
  if (version.status !== 'active') throw conflict(`DAO ${version.daoId} is dissolved`);
  await checkSource(ctx, version, relay);
  const allocation = await allocate(ctx, store, version, relay.amount, { kind: 'relay', sourceChannel: relay.sourceChannel, sourceTxId: relay.sourceTxId }, allocationId);
  emitPrivate(ctx, DAO.emitted(DAO.event.AllocationReceived, { sourceChannel: relay.sourceChannel, sourceTxId: relay.sourceTxId, amount: relay.amount.toString(), allocation: { ...allocation, payouts: [...allocation.payouts] } }));
  return canonicalJson(allocation);
}

/**
 * Reads the source allocation on the next channel (every endorser of CH_i is a member of
 * CH_{i+1}, so its peer holds that ledger) and checks that it passes exactly this amount here:
 * the chaincode, not trust in the relaying bridge, makes the relay valid.
 */
async function checkSource(ctx: Context, version: VersionState, relay: AllocationRelay): Promise<void> {
  const where = `transaction ${relay.sourceTxId} on ${relay.sourceChannel} (chaincode ${relay.sourceChaincode})`;
  const answer = await queryChaincode(ctx, relay.sourceChaincode, [DAO.tx.GetAllocationByTx, relay.sourceTxId], relay.sourceChannel);
  if (!answer.ok) throw notFound(answer.unreachable ? `cannot read the allocation of ${where}: ${answer.message}` : `no allocation for ${where}: ${answer.message}`);
  const source = JSON.parse(answer.text) as AllocationState;
  if (!('channel' in source.restTo) || source.restTo.channel !== version.channel) throw conflict(`the allocation of ${where} does not pass its rest to ${version.channel}`);
  if (source.rest !== relay.amount.toString()) throw conflict(`the allocation of ${where} passes ${source.rest} to ${version.channel}, not ${relay.amount}`);
}

/**
 * Splits a lump at this level and writes the allocation (with its payouts, and for revenue what
 * the revenue was) and its transaction index: two writes, whatever the number of members.
 * Concurrent allocations write disjoint keys and read only the version record and their own
 * allocation key, so they do not invalidate each other (MVCC); entitlements sum the allocations
 * on read.
 */
async function allocate(ctx: Context, store: DaoStore, version: VersionRecord, lump: bigint, source: AllocationState['source'], allocationId: string, revenue?: AllocationRecord['revenue']): Promise<AllocationState> {
  const split = allocateLump(lump, version, version.memberStates);
  const allocation: AllocationState = {
    allocationId,
    source,
    level: version.version,
    lump: lump.toString(),
    betaPpm: split.betaPpm,
    levelEnded: split.levelEnded,
    joiningShare: split.joiningShare.toString(),
    rest: split.rest.toString(),
    restTo: split.restTo,
    payouts: split.payouts,
    txId: ctx.stub.getTxID(),
    atMs: txTimeMs(ctx),
  };
  const paid = split.payouts.reduce((s, p) => s + BigInt(p.amount), 0n) + ('channel' in split.restTo ? split.rest : 0n);
  if (paid !== lump) throw new Error(`allocation of ${lump} pays ${paid}: the split must be exact`);
  await store.putAllocation(revenue ? { ...allocation, revenue } : allocation);
  return allocation;
}

export async function getAllocation(ctx: Context, id: string): Promise<string> {
  const store = new DaoStore(ctx);
  await store.version();
  await store.caller('read allocations');
  const allocation = await store.allocation(id);
  if (!allocation) throw notFound(`no allocation ${id}`);
  return canonicalJson(allocationView(allocation));
}

/**
 * The allocation made by a transaction of this channel: what the next channel down reads
 * (cross-channel query) to check a relayed AllocationReceived.
 */
export async function getAllocationByTx(ctx: Context, id: string): Promise<string> {
  const store = new DaoStore(ctx);
  await store.version();
  await store.caller('read allocations');
  const index = await store.get<{ allocationId: string }>('allocationTx', id);
  const allocation = index && (await store.allocation(index.allocationId));
  if (!allocation) throw notFound(`transaction ${id} made no allocation on ${ctx.stub.getChannelID()}`);
  return canonicalJson(allocationView(allocation));
}

/** Every member's accumulated entitlement on this channel, each with the allocations that paid it (`events`). */
export async function getEntitlements(ctx: Context): Promise<string> {
  const store = new DaoStore(ctx);
  await store.version();
  await store.caller('read entitlements');
  const version = await store.version();
  const totals = await entitlements(store);
  return canonicalJson(version.members.map((msp) => totals.get(msp) ?? none(msp)));
}

/**
 * One member's entitlement on this channel, with each allocation that paid it: what the lump was
 * (a revenue recorded here, with its kind, reference and recorder, or a rest relayed from the next
 * channel), the member's payout from it, and the whole split of that lump at this level.
 */
export async function getEntitlement(ctx: Context, msp: string): Promise<string> {
  const store = new DaoStore(ctx);
  await store.version();
  await store.caller('read entitlements');
  await store.requireMember(msp);
  return canonicalJson((await entitlements(store)).get(msp) ?? none(msp));
}

/** One allocation that paid a member, as the entitlements list it. */
interface EntitlementEvent {
  readonly allocationId: string;
  readonly source: AllocationState['source'];
  readonly revenue?: AllocationRecord['revenue'];
  readonly lump: string;
  readonly amount: string;
  readonly split: Pick<AllocationState, 'payouts' | 'rest' | 'restTo'>;
  readonly txId: string;
  readonly atMs: number;
}

type Entitlement = EntitlementState & { readonly events: readonly EntitlementEvent[] };

const none = (mspId: string): Entitlement => ({ mspId, amount: '0', allocations: 0, events: [] });

/**
 * Every member's entitlement on this channel, summed over the allocation records' payouts (one
 * range read; queries only, never on the submit path). `allocations` counts the allocations that
 * have a payout to the member; `events` lists them in time order.
 */
async function entitlements(store: DaoStore): Promise<Map<string, Entitlement>> {
  const totals = new Map<string, { amount: bigint; events: EntitlementEvent[] }>();
  for (const a of await store.list<AllocationRecord>('allocation')) {
    const paid = new Map<string, bigint>();
    for (const p of a.payouts) paid.set(p.mspId, (paid.get(p.mspId) ?? 0n) + BigInt(p.amount));
    for (const [mspId, amount] of paid) {
      const t = totals.get(mspId) ?? { amount: 0n, events: [] };
      t.amount += amount;
      t.events.push({
        allocationId: a.allocationId,
        source: a.source,
        ...(a.revenue ? { revenue: a.revenue } : {}),
        lump: a.lump,
        amount: amount.toString(),
        split: { payouts: a.payouts, rest: a.rest, restTo: a.restTo },
        txId: a.txId,
        atMs: a.atMs,
      });
      totals.set(mspId, t);
    }
  }
  const byTime = (x: EntitlementEvent, y: EntitlementEvent) => x.atMs - y.atMs || x.allocationId.localeCompare(y.allocationId);
  return new Map([...totals].map(([mspId, t]) => [mspId, { mspId, amount: t.amount.toString(), allocations: t.events.length, events: t.events.sort(byTime) }]));
}
