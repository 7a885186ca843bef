import { createHash } from 'node:crypto';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson, conflict, emitEvent, forbidden, invalidArgument, notFound, parseArg, parseJsonArg, txTimeMs } from '@datawell/chaincode-common';
import { agreementSchema, checkAgreement, checkInfrastructureMembers, checkTermsMembers, groupLevel, type InfrastructureSpec, type Terms } from './agreement.validator';
import { allocateLump } from './allocation';
import { decide } from './governance';
import { parseWorkloadKey, verifyHeartbeat } from './heartbeat';
import {
  allocationReceivedSchema,
  allocationIdSchema,
  choiceSchema,
  computationSchema,
  failedSchema,
  idSchema,
  mspIdSchema,
  proposalSchema,
  provisionedSchema,
  revenueSchema,
  snapshotSchema,
  successorSchema,
  txIdSchema,
  workloadSchema,
} from './operations.validator';
import { DaoStore, allocationView, contractEndsAtMs, versionView, type AllocationRecord, type AllocationState, type EntitlementState, type MemberState, type ProposalState, type VersionRecord, type VersionState, type VoteState, type WorkloadState } from './state';

/** How far a heartbeat's own timestamp may run ahead of the transaction time (clock skew). */
export const MAX_HEARTBEAT_SKEW_MS = 5 * 60 * 1000;

/**
 * Version i of a DAO on its channel dao-<d>-v<i>. Every transaction checks the caller's MSP against
 * the version's members, parses its arguments into typed objects, uses integers only, writes
 * canonical JSON and emits exactly one event (Fabric keeps one per transaction) named after its
 * primary action, with a `{type, txId, channel, ...}` payload.
 */
@Info({ title: 'DaoContract', description: 'One version of a Datawell DAO: members, β_i, terms, revenue split, heartbeats, governance' })
export class DaoContract extends Contract {
  constructor() {
    super('dao');
  }

  /**
   * Creates this channel's version from the signed agreement. Only once, only by a member of the
   * founding group D (the DSP's ledger bridge). One event, VersionCreated, whose payload carries
   * the infrastructure request (the bridge fans it out as InfrastructureRequested).
   */
  @Transaction()
  @Returns('string')
  async InitVersion(ctx: Context, agreementJson: string): Promise<string> {
    const agreement = parseJsonArg(agreementSchema, agreementJson, 'agreement');
    checkAgreement(agreement, ctx.stub.getChannelID());
    const caller = ctx.clientIdentity.getMSPID();
    const self = agreement.members.find((m) => m.mspId === caller);
    if (!self || groupLevel(self.group) !== 0) throw forbidden(`${caller} is not in the founding group D of this agreement and may not InitVersion`);
    const store = new DaoStore(ctx);
    const agreementDigest = createHash('sha256').update(canonicalJson(agreement)).digest('hex');
    const existing = await store.existingVersion();
    if (existing) {
      // A bridge retrying the same agreement gets the version back; another agreement is refused.
      if (existing.agreementDigest === agreementDigest) {
        // A version stored with one key per member (the earlier layout) is rewritten as one record.
        if (await store.isLegacyLayout()) await store.putVersion(existing);
        return canonicalJson(versionView(existing));
      }
      throw conflict(`channel ${ctx.stub.getChannelID()} already holds a DAO version (agreement ${existing.agreementId})`);
    }
    const now = txTimeMs(ctx);
    const version: VersionRecord = {
      daoId: agreement.daoId,
      version: agreement.version,
      channel: ctx.stub.getChannelID(),
      agreementId: agreement.agreementId,
      agreementDigest,
      documentDigest: agreement.documentDigest,
      betaPpm: agreement.betaPpm,
      members: agreement.members.map((m) => m.mspId),
      terms: agreement.terms,
      infrastructure: agreement.infrastructure,
      infrastructureRevision: 1,
      infrastructureStatus: 'requested',
      status: 'active',
      createdAtMs: now,
      memberStates: agreement.members.map((m) => ({ mspId: m.mspId, group: m.group, level: groupLevel(m.group), role: m.role, weight: m.weight, ownershipPpm: m.ownershipPpm, status: 'active' })),
    };
    await store.putVersion(version);
    emitEvent(ctx, 'VersionCreated', {
      daoId: version.daoId,
      version: version.version,
      agreementId: version.agreementId,
      agreementDigest: version.agreementDigest,
      betaPpm: version.betaPpm,
      members: agreement.members.map(({ mspId, group, role, weight, ownershipPpm }) => ({ mspId, group, role, weight, ownershipPpm })),
      terms: version.terms,
      createdAtMs: now,
      contractEndsAtMs: contractEndsAtMs(version),
      infrastructureRequested: { revision: 1, spec: version.infrastructure },
    });
    return canonicalJson(versionView(version));
  }

  @Transaction(false)
  @Returns('string')
  async GetVersion(ctx: Context): Promise<string> {
    const store = new DaoStore(ctx);
    const version = await store.version();
    await store.caller('read this DAO version');
    const members: MemberState[] = [];
    for (const m of version.memberStates) members.push({ ...m, lastHeartbeatMs: await store.lastHeartbeat(m.mspId) });
    return canonicalJson({ ...versionView(version), contractEndsAtMs: contractEndsAtMs(version), memberStates: members });
  }

  @Transaction(false)
  @Returns('string')
  async GetMember(ctx: Context, mspId: string): Promise<string> {
    const msp = parseArg(mspIdSchema, mspId, 'mspId');
    const store = new DaoStore(ctx);
    await store.version();
    await store.caller('read members');
    return canonicalJson({ ...(await store.requireMember(msp)), lastHeartbeatMs: await store.lastHeartbeat(msp) });
  }

  // ---------------------------------------------------------------- revenue and allocation

  /**
   * Records revenue of the DAO in this channel (the top channel records what the DAO earns) and
   * allocates it at this level. Any active member may record revenue; the recorder is attributed.
   * Event RevenueRecorded with the allocation (payouts, rest and where it goes).
   * On the ledger: two reads (the version record with its members, the allocation key of this
   * revenue id) in one message and two writes (the allocation, which holds the revenue's details
   * and payouts, and its transaction index) in another: two shim round trips per endorsement.
   */
  @Transaction()
  @Returns('string')
  async RecordRevenue(ctx: Context, revenueJson: string): Promise<string> {
    const revenue = parseJsonArg(revenueSchema, revenueJson, 'revenue');
    const store = new DaoStore(ctx);
    const allocationId = `revenue:${revenue.revenueId}`;
    const [, recorded] = await store.versionAndAllocation(allocationId);
    const version = await store.activeVersion();
    const caller = await store.activeCaller('record revenue');
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
    const allocation = await this.#allocate(ctx, store, version, revenue.amount, { kind: 'revenue', revenueId: revenue.revenueId }, allocationId, {
      kind: revenue.kind,
      reference: revenue.reference,
      recordedBy: caller.mspId,
    });
    emitEvent(ctx, 'RevenueRecorded', { revenueId: revenue.revenueId, amount: revenue.amount, kind: revenue.kind, recordedBy: caller.mspId, allocation });
    return canonicalJson(allocation);
  }

  /**
   * The rest of an allocation on channel dao-<d>-v<i+1>, relayed here by the DSP's ledger bridge.
   * Idempotent by (source channel, source transaction id): a repeat returns the first allocation and
   * writes nothing; a repeat with another amount is a CONFLICT. Only members of D may relay.
   * Event AllocationReceived with this level's allocation.
   */
  @Transaction()
  @Returns('string')
  async AllocationReceived(ctx: Context, relayJson: string): Promise<string> {
    const relay = parseJsonArg(allocationReceivedSchema, relayJson, 'relay');
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
    await this.#checkSource(ctx, version, relay);
    const allocation = await this.#allocate(ctx, store, version, relay.amount, { kind: 'relay', sourceChannel: relay.sourceChannel, sourceTxId: relay.sourceTxId }, allocationId);
    emitEvent(ctx, 'AllocationReceived', { sourceChannel: relay.sourceChannel, sourceTxId: relay.sourceTxId, amount: relay.amount, allocation });
    return canonicalJson(allocation);
  }

  /**
   * Reads the source allocation on the next channel (every endorser of CH_i is a member of
   * CH_{i+1}, so its peer holds that ledger) and checks that it passes exactly this amount here:
   * the chaincode, not trust in the relaying bridge, makes the relay valid.
   */
  async #checkSource(ctx: Context, version: VersionState, relay: { sourceChannel: string; sourceTxId: string; sourceChaincode: string; amount: bigint }): Promise<void> {
    const where = `transaction ${relay.sourceTxId} on ${relay.sourceChannel} (chaincode ${relay.sourceChaincode})`;
    let response: Awaited<ReturnType<Context['stub']['invokeChaincode']>>;
    try {
      response = await ctx.stub.invokeChaincode(relay.sourceChaincode, ['GetAllocationByTx', relay.sourceTxId], relay.sourceChannel);
    } catch (e) {
      throw notFound(`cannot read the allocation of ${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (response.status >= 400 || !response.payload) throw notFound(`no allocation for ${where}: ${response.message ?? response.status}`);
    const source = JSON.parse(Buffer.from(response.payload).toString('utf8')) as AllocationState;
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
  async #allocate(ctx: Context, store: DaoStore, version: VersionRecord, lump: bigint, source: AllocationState['source'], allocationId: string, revenue?: AllocationRecord['revenue']): Promise<AllocationState> {
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

  @Transaction(false)
  @Returns('string')
  async GetAllocation(ctx: Context, allocationId: string): Promise<string> {
    const id = parseArg(allocationIdSchema, allocationId, 'allocationId');
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
  @Transaction(false)
  @Returns('string')
  async GetAllocationByTx(ctx: Context, txId: string): Promise<string> {
    const id = parseArg(txIdSchema, txId, 'txId');
    const store = new DaoStore(ctx);
    await store.version();
    await store.caller('read allocations');
    const index = await store.get<{ allocationId: string }>('allocationTx', id);
    const allocation = index && (await store.allocation(index.allocationId));
    if (!allocation) throw notFound(`transaction ${id} made no allocation on ${ctx.stub.getChannelID()}`);
    return canonicalJson(allocationView(allocation));
  }

  /** Every member's accumulated entitlement on this channel. */
  @Transaction(false)
  @Returns('string')
  async GetEntitlements(ctx: Context): Promise<string> {
    const store = new DaoStore(ctx);
    await store.version();
    await store.caller('read entitlements');
    const version = await store.version();
    const totals = await entitlements(store);
    return canonicalJson(version.members.map((msp) => totals.get(msp) ?? { mspId: msp, amount: '0', allocations: 0 }));
  }

  @Transaction(false)
  @Returns('string')
  async GetEntitlement(ctx: Context, mspId: string): Promise<string> {
    const msp = parseArg(mspIdSchema, mspId, 'mspId');
    const store = new DaoStore(ctx);
    await store.version();
    await store.caller('read entitlements');
    await store.requireMember(msp);
    return canonicalJson((await entitlements(store)).get(msp) ?? { mspId: msp, amount: '0', allocations: 0 });
  }

  /**
   * Records that version i+1 exists, after reading it on its channel (cross-channel query by this
   * channel's endorsers, all members there): same DAO, version i+1, active, and every member of this
   * version in the same group (CH_{i+1} = CH_i ∪ J_{i+1}). From then on revenue is recorded on the
   * top channel and reaches this one only as AllocationReceived. Active D member (the DSP's bridge,
   * after InitVersion on the new channel). Idempotent. Event VersionSuperseded.
   */
  @Transaction()
  @Returns('string')
  async RecordSuccessor(ctx: Context, successorJson: string): Promise<string> {
    const input = parseJsonArg(successorSchema, successorJson, 'successor');
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    await store.activeCaller('record the successor version', { foundingOnly: true });
    const channel = `dao-${version.daoId}-v${version.version + 1}`;
    if (version.successorChannel === channel) return canonicalJson(versionView(version));
    let response: Awaited<ReturnType<Context['stub']['invokeChaincode']>>;
    try {
      response = await ctx.stub.invokeChaincode(input.chaincode, ['GetVersion'], channel);
    } catch (e) {
      throw notFound(`cannot read version ${version.version + 1} on ${channel} (chaincode ${input.chaincode}): ${e instanceof Error ? e.message : String(e)}`);
    }
    if (response.status >= 400 || !response.payload) throw notFound(`no version on ${channel}: ${response.message ?? response.status}`);
    const next = JSON.parse(Buffer.from(response.payload).toString('utf8')) as VersionState & { memberStates: MemberState[] };
    if (next.daoId !== version.daoId || next.version !== version.version + 1) throw conflict(`${channel} holds version ${next.version} of DAO ${next.daoId}`);
    if (next.status !== 'active') throw conflict(`version ${next.version} on ${channel} is ${next.status}`);
    for (const m of await store.members()) {
      const there = next.memberStates.find((n) => n.mspId === m.mspId);
      if (!there || there.group !== m.group) throw conflict(`${m.mspId} (group ${m.group}) is not in group ${m.group} of version ${next.version}`);
    }
    const now = txTimeMs(ctx);
    const updated: VersionRecord = { ...version, successorChannel: channel, supersededAtMs: now };
    await store.putVersion(updated);
    emitEvent(ctx, 'VersionSuperseded', { daoId: version.daoId, version: version.version, successorChannel: channel, successorAgreementId: next.agreementId, supersededAtMs: now });
    return canonicalJson(versionView(updated));
  }

  // ---------------------------------------------------------------- workloads and telemetry

  /** Registers a workload the caller runs, with the public key its heartbeats are signed with. */
  @Transaction()
  @Returns('string')
  async RegisterWorkload(ctx: Context, workloadJson: string): Promise<string> {
    const input = parseJsonArg(workloadSchema, workloadJson, 'workload');
    const { keyType } = parseWorkloadKey(input.publicKeyPem);
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    const caller = await store.activeCaller('register workloads');
    if (await store.workload(input.workloadId)) throw conflict(`workload ${input.workloadId} is already registered`);
    const workload: WorkloadState = { workloadId: input.workloadId, owner: caller.mspId, publicKeyPem: input.publicKeyPem, keyType, registeredAtMs: txTimeMs(ctx) };
    await store.putWorkload(workload);
    // The key travels with the event: telemetry verifies heartbeats with it before anything reaches the ledger.
    emitEvent(ctx, 'WorkloadRegistered', { workloadId: workload.workloadId, owner: workload.owner, keyType, publicKeyPem: workload.publicKeyPem, daoId: version.daoId, version: version.version });
    return canonicalJson(workload);
  }

  @Transaction(false)
  @Returns('string')
  async GetWorkload(ctx: Context, workloadId: string): Promise<string> {
    const id = parseArg(idSchema, workloadId, 'workloadId');
    const store = new DaoStore(ctx);
    await store.version();
    await store.caller('read workloads');
    const workload = await store.workload(id);
    if (!workload) throw notFound(`no workload ${id}`);
    return canonicalJson(workload);
  }

  /**
   * Records a telemetry snapshot. Every heartbeat's signature is verified against its workload's
   * registered key; one bad, unknown, replayed or future-dated heartbeat rejects the whole snapshot.
   * Any active member may submit (the telemetry service, through a bridge); the signatures, not the
   * submitter, make the heartbeats count.
   */
  @Transaction()
  @Returns('string')
  async RecordTelemetry(ctx: Context, snapshotJson: string): Promise<string> {
    const snapshot = parseJsonArg(snapshotSchema, snapshotJson, 'snapshot');
    const store = new DaoStore(ctx);
    await store.activeVersion();
    const caller = await store.activeCaller('record telemetry');
    if (await store.get('snapshot', snapshot.snapshotId)) throw conflict(`snapshot ${snapshot.snapshotId} is already recorded`);
    const now = txTimeMs(ctx);
    const workloads = new Map<string, WorkloadState>();
    for (const [k, hb] of snapshot.heartbeats.entries()) {
      const where = `snapshot.heartbeats.${k}`;
      let workload = workloads.get(hb.workloadId);
      if (!workload) {
        const stored = await store.workload(hb.workloadId);
        if (!stored) throw notFound(`${where}: unknown workload ${hb.workloadId}`);
        workload = { ...stored };
        workloads.set(hb.workloadId, workload);
      }
      if (!verifyHeartbeat(hb, workload.publicKeyPem)) throw invalidArgument(`${where}: signature does not verify with the key of workload ${hb.workloadId}`);
      if (workload.lastSeq !== undefined && hb.seq <= workload.lastSeq) throw conflict(`${where}: seq ${hb.seq} of workload ${hb.workloadId} is not after ${workload.lastSeq}`);
      if (hb.timestamp > now + MAX_HEARTBEAT_SKEW_MS) throw invalidArgument(`${where}: timestamp ${hb.timestamp} is ahead of the transaction time ${now}`);
      workload.lastSeq = hb.seq;
      workload.lastHeartbeatMs = Math.max(workload.lastHeartbeatMs ?? 0, hb.timestamp);
    }
    const latestByMember = new Map<string, number>();
    for (const w of workloads.values()) {
      await store.putWorkload(w);
      latestByMember.set(w.owner, Math.max(latestByMember.get(w.owner) ?? 0, w.lastHeartbeatMs ?? 0));
    }
    // Kept apart from the member record, which every allocation reads: telemetry then never
    // invalidates a concurrent revenue transaction.
    for (const [msp, latest] of latestByMember) {
      if ((await store.lastHeartbeat(msp) ?? 0) < latest) await store.put({ mspId: msp, lastHeartbeatMs: latest }, 'heartbeat', msp);
    }
    await store.put({ snapshotId: snapshot.snapshotId, recordedBy: caller.mspId, atMs: now, heartbeats: snapshot.heartbeats }, 'snapshot', snapshot.snapshotId);
    const summary = [...workloads.values()].map((w) => ({ workloadId: w.workloadId, owner: w.owner, lastSeq: w.lastSeq, lastHeartbeatMs: w.lastHeartbeatMs }));
    emitEvent(ctx, 'TelemetryRecorded', { snapshotId: snapshot.snapshotId, recordedBy: caller.mspId, heartbeats: snapshot.heartbeats.length, workloads: summary });
    return canonicalJson({ snapshotId: snapshot.snapshotId, workloads: summary });
  }

  /**
   * Decides whether `mspId` has abandoned the DAO, from recorded heartbeats, the terms' abandon-after
   * and the transaction time: abandoned when its last heartbeat (or the version's creation, if none)
   * is more than abandon-after before now. A VSP's level then counts β = 10^6 for new revenue; a
   * DSP abandoning dissolves the DAO. Any active member may ask. Not abandoned: no write, no event.
   */
  @Transaction()
  @Returns('string')
  async EvaluateAbandonment(ctx: Context, mspId: string): Promise<string> {
    const msp = parseArg(mspIdSchema, mspId, 'mspId');
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    await store.activeCaller('evaluate abandonment');
    const member = await store.requireMember(msp);
    if (member.status !== 'active') throw conflict(`${msp} is already ${member.status}`);
    const now = txTimeMs(ctx);
    const lastHeartbeatMs = await store.lastHeartbeat(msp);
    const since = Math.max(lastHeartbeatMs ?? 0, version.createdAtMs);
    const deadlineMs = since + version.terms.abandonAfterSeconds * 1000;
    if (now <= deadlineMs) return canonicalJson({ mspId: msp, abandoned: false, lastHeartbeatMs, deadlineMs, evaluatedAtMs: now });
    const dissolved = member.level === 0;
    await store.putVersion(withMember(version, { ...member, status: 'abandoned', endedAtMs: now }, dissolved ? { status: 'dissolved', dissolvedAtMs: now, dissolvedReason: `founding member ${msp} abandoned` } : {}));
    const levelEnded = await this.#levelEnds(store, version, member);
    emitEvent(ctx, 'MemberAbandoned', { mspId: msp, group: member.group, role: member.role, lastHeartbeatMs, deadlineMs, decidedAtMs: now, levelEnded, dissolved });
    return canonicalJson({ mspId: msp, abandoned: true, lastHeartbeatMs, deadlineMs, evaluatedAtMs: now, levelEnded, dissolved });
  }

  /** Whether `leaving` was the last active member of this channel's joining group J_i. */
  async #levelEnds(store: DaoStore, version: VersionState, leaving: MemberState): Promise<boolean> {
    if (leaving.level !== version.version) return false;
    const others = (await store.members()).filter((m) => m.level === version.version && m.mspId !== leaving.mspId && m.status === 'active');
    return others.length === 0;
  }

  // ---------------------------------------------------------------- voluntary exit

  /** The caller gives notice of leaving; the exit can complete once the terms' notice has run. */
  @Transaction()
  @Returns('string')
  async RequestExit(ctx: Context): Promise<string> {
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    const member = await store.activeCaller('request exit');
    if (member.exitRequestedAtMs !== undefined) throw conflict(`${member.mspId} has already requested exit (effective at ${member.exitEffectiveAtMs})`);
    const now = txTimeMs(ctx);
    const next: MemberState = { ...member, exitRequestedAtMs: now, exitEffectiveAtMs: now + version.terms.exitNoticeSeconds * 1000 };
    await store.putMember(next);
    emitEvent(ctx, 'ExitRequested', { mspId: member.mspId, group: member.group, requestedAtMs: now, effectiveAtMs: next.exitEffectiveAtMs });
    return canonicalJson(next);
  }

  /**
   * Completes a requested exit once its notice has run (checked against the transaction time). Any
   * active member may complete it. Same payout effect as abandonment; a DSP leaving dissolves the DAO.
   */
  @Transaction()
  @Returns('string')
  async CompleteExit(ctx: Context, mspId: string): Promise<string> {
    const msp = parseArg(mspIdSchema, mspId, 'mspId');
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    await store.activeCaller('complete exits');
    const member = await store.requireMember(msp);
    if (member.status !== 'active') throw conflict(`${msp} is already ${member.status}`);
    if (member.exitEffectiveAtMs === undefined) throw conflict(`${msp} has not requested exit`);
    const now = txTimeMs(ctx);
    if (now < member.exitEffectiveAtMs) throw conflict(`the exit notice of ${msp} runs until ${member.exitEffectiveAtMs} (now ${now})`);
    const dissolved = member.level === 0;
    await store.putVersion(withMember(version, { ...member, status: 'exited', endedAtMs: now, endReason: 'exit' }, dissolved ? { status: 'dissolved', dissolvedAtMs: now, dissolvedReason: `founding member ${msp} exited` } : {}));
    const levelEnded = await this.#levelEnds(store, version, member);
    emitEvent(ctx, 'MemberExited', { mspId: msp, group: member.group, role: member.role, exitedAtMs: now, reason: 'exit', levelEnded, dissolved });
    return canonicalJson({ mspId: msp, status: 'exited', exitedAtMs: now, reason: 'exit', levelEnded, dissolved });
  }

  // ---------------------------------------------------------------- contract term

  /**
   * Ends the contract of this version's joining group J_i once the agreement's term has run: version
   * i's terms.durationDays count from its InitVersion, in transaction time. A member of J_i then leaves
   * as by a completed exit (status exited, reason contract-ended; event MemberExited, so its workloads
   * of this version are destroyed and, once the whole group is out, the level's lump passes inward).
   * Members of D and of earlier groups are bound by their own version's term, not this one; the
   * founding group's contract has no end date (the DAO lasts until dissolved). Any active member may
   * ask. Term not over: no write, no event.
   */
  @Transaction()
  @Returns('string')
  async EvaluateContractEnd(ctx: Context, mspId: string): Promise<string> {
    const msp = parseArg(mspIdSchema, mspId, 'mspId');
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    await store.activeCaller('evaluate contract ends');
    const member = await store.requireMember(msp);
    if (member.level !== version.version) {
      throw conflict(`${msp} is in group ${member.group}: the term of version ${version.version} binds its joining group J${version.version} only`);
    }
    if (member.status !== 'active') throw conflict(`${msp} is already ${member.status}`);
    const now = txTimeMs(ctx);
    const endsAtMs = contractEndsAtMs(version);
    if (now < endsAtMs) return canonicalJson({ mspId: msp, ended: false, contractEndsAtMs: endsAtMs, evaluatedAtMs: now });
    await store.putVersion(withMember(version, { ...member, status: 'exited', endedAtMs: now, endReason: 'contract-ended' }));
    const levelEnded = await this.#levelEnds(store, version, member);
    emitEvent(ctx, 'MemberExited', { mspId: msp, group: member.group, role: member.role, exitedAtMs: now, reason: 'contract-ended', contractEndsAtMs: endsAtMs, levelEnded, dissolved: false });
    return canonicalJson({ mspId: msp, ended: true, status: 'exited', exitedAtMs: now, reason: 'contract-ended', contractEndsAtMs: endsAtMs, levelEnded, dissolved: false });
  }

  // ---------------------------------------------------------------- governance

  /** An active member proposes a change; votes are weighted by the agreement's ownership. */
  @Transaction()
  @Returns('string')
  async CreateProposal(ctx: Context, proposalJson: string): Promise<string> {
    const input = parseJsonArg(proposalSchema, proposalJson, 'proposal');
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    const caller = await store.activeCaller('create proposals');
    if (await store.get('proposal', input.proposalId)) throw conflict(`proposal ${input.proposalId} exists already`);
    const members = new Set(version.members);
    if (input.kind === 'change-terms') checkTermsMembers(input.payload, members, 'proposal.payload');
    if (input.kind === 'change-infrastructure') checkInfrastructureMembers(input.payload, members, 'proposal.payload');
    if (input.kind === 'admit-member' && members.has(input.payload.mspId)) throw conflict(`${input.payload.mspId} is already a member`);
    const proposal: ProposalState = {
      proposalId: input.proposalId,
      kind: input.kind,
      payload: input.payload ?? {},
      description: input.description,
      proposer: caller.mspId,
      createdAtMs: txTimeMs(ctx),
      status: 'open',
      yesPpm: 0,
      noPpm: 0,
    };
    await store.put(proposal, 'proposal', proposal.proposalId);
    emitEvent(ctx, 'ProposalCreated', { proposalId: proposal.proposalId, kind: proposal.kind, payload: proposal.payload, description: proposal.description, proposer: caller.mspId });
    return canonicalJson(proposal);
  }

  /**
   * An active member votes once with its ownership weight. The vote that decides the proposal
   * emits ProposalDecided (with the vote and the effect applied); any other emits VoteCast.
   */
  @Transaction()
  @Returns('string')
  async CastVote(ctx: Context, proposalId: string, choice: string): Promise<string> {
    const id = parseArg(idSchema, proposalId, 'proposalId');
    const vote = parseArg(choiceSchema, choice, 'choice');
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    const caller = await store.activeCaller('vote');
    const proposal = await store.get<ProposalState>('proposal', id);
    if (!proposal) throw notFound(`no proposal ${id}`);
    if (proposal.status !== 'open') throw conflict(`proposal ${id} is already ${proposal.status}`);
    if (await store.get('vote', id, caller.mspId)) throw conflict(`${caller.mspId} has already voted on proposal ${id}`);
    const now = txTimeMs(ctx);
    const record: VoteState = { proposalId: id, mspId: caller.mspId, choice: vote, weightPpm: caller.ownershipPpm, atMs: now };
    await store.put(record, 'vote', id, caller.mspId);
    const next: ProposalState = { ...proposal, yesPpm: proposal.yesPpm + (vote === 'yes' ? caller.ownershipPpm : 0), noPpm: proposal.noPpm + (vote === 'no' ? caller.ownershipPpm : 0) };
    const active = (await store.members()).filter((m) => m.status === 'active').reduce((s, m) => s + m.ownershipPpm, 0);
    next.status = decide(next.yesPpm, next.noPpm, active);
    const voteSummary = { mspId: caller.mspId, choice: vote, weightPpm: caller.ownershipPpm };
    if (next.status === 'open') {
      await store.put(next, 'proposal', id);
      emitEvent(ctx, 'VoteCast', { proposalId: id, kind: proposal.kind, vote: voteSummary, yesPpm: next.yesPpm, noPpm: next.noPpm, activeOwnershipPpm: active });
      return canonicalJson(next);
    }
    next.decidedAtMs = now;
    await store.put(next, 'proposal', id);
    const effect = next.status === 'accepted' ? await this.#apply(store, version, next, now) : undefined;
    emitEvent(ctx, 'ProposalDecided', { proposalId: id, kind: proposal.kind, outcome: next.status, vote: voteSummary, yesPpm: next.yesPpm, noPpm: next.noPpm, activeOwnershipPpm: active, effect });
    return canonicalJson(next);
  }

  /** What an accepted proposal changes in this version; admitting a member is done by a new version. */
  async #apply(store: DaoStore, version: VersionRecord, proposal: ProposalState, now: number): Promise<Record<string, unknown>> {
    switch (proposal.kind) {
      case 'change-terms':
        await store.putVersion({ ...version, terms: proposal.payload as Terms });
        return { terms: proposal.payload };
      case 'change-infrastructure': {
        const revision = version.infrastructureRevision + 1;
        await store.putVersion({ ...version, infrastructure: proposal.payload as InfrastructureSpec, infrastructureRevision: revision, infrastructureStatus: 'requested' });
        return { infrastructureRequested: { revision, spec: proposal.payload } };
      }
      case 'dissolve':
        await store.putVersion({ ...version, status: 'dissolved', dissolvedAtMs: now, dissolvedReason: `proposal ${proposal.proposalId}` });
        return { dissolved: true };
      case 'admit-member':
        return { admit: proposal.payload, nextChannel: `dao-${version.daoId}-v${version.version + 1}` };
    }
  }

  @Transaction(false)
  @Returns('string')
  async GetProposal(ctx: Context, proposalId: string): Promise<string> {
    const id = parseArg(idSchema, proposalId, 'proposalId');
    const store = new DaoStore(ctx);
    await store.version();
    await store.caller('read proposals');
    const proposal = await store.get<ProposalState>('proposal', id);
    if (!proposal) throw notFound(`no proposal ${id}`);
    return canonicalJson({ ...proposal, votes: await store.list<VoteState>('vote', id) });
  }

  // ---------------------------------------------------------------- computation and infrastructure reports

  /**
   * Records a finished MPC job (called by the MPC coordinator through a member's bridge): the
   * computation must be allowed by the terms, its members active members; the result's recipients
   * are the ones the terms name.
   */
  @Transaction()
  @Returns('string')
  async ComputationCompleted(ctx: Context, jobJson: string): Promise<string> {
    const job = parseJsonArg(computationSchema, jobJson, 'job');
    const store = new DaoStore(ctx);
    const version = await store.activeVersion();
    const caller = await store.activeCaller('record computations');
    const allowed = version.terms.computations.find((c) => c.name === job.computation);
    if (!allowed) throw forbidden(`computation ${job.computation} is not allowed by the terms of this version`);
    for (const msp of job.members) {
      const m = await store.member(msp);
      if (!m || m.status !== 'active') throw invalidArgument(`job.members: ${msp} is not an active member`);
    }
    const previous = await store.get<typeof job & { recipients: string[] }>('computation', job.jobId);
    if (previous) {
      const same = previous.computation === job.computation && previous.resultDigest === job.resultDigest && canonicalJson(previous.members) === canonicalJson(job.members);
      if (same) return canonicalJson(previous); // a retried report
      throw conflict(`job ${job.jobId} is already recorded with another result`);
    }
    const record = { ...job, recipients: allowed.resultRecipients, recordedBy: caller.mspId, atMs: txTimeMs(ctx) };
    await store.put(record, 'computation', job.jobId);
    emitEvent(ctx, 'ComputationCompleted', record);
    return canonicalJson(record);
  }

  /** The provisioner built the requested infrastructure revision; recorded by a D member's bridge. */
  @Transaction()
  @Returns('string')
  async InfrastructureProvisioned(ctx: Context, reportJson: string): Promise<string> {
    const report = parseJsonArg(provisionedSchema, reportJson, 'report');
    return this.#infrastructureReport(ctx, report.revision, 'provisioned', 'InfrastructureProvisioned', { outputsDigest: report.outputsDigest, resources: report.resources });
  }

  /** The provisioner could not build the requested revision; recorded by a D member's bridge. */
  @Transaction()
  @Returns('string')
  async InfrastructureFailed(ctx: Context, reportJson: string): Promise<string> {
    const report = parseJsonArg(failedSchema, reportJson, 'report');
    return this.#infrastructureReport(ctx, report.revision, 'failed', 'InfrastructureFailed', { reason: report.reason });
  }

  async #infrastructureReport(ctx: Context, revision: number, status: 'provisioned' | 'failed', event: string, details: Record<string, unknown>): Promise<string> {
    const store = new DaoStore(ctx);
    const version = await store.version();
    const caller = await store.activeCaller('report on infrastructure', { foundingOnly: true });
    if (revision !== version.infrastructureRevision) throw conflict(`infrastructure revision ${revision} is not the current one (${version.infrastructureRevision})`);
    if (version.infrastructureStatus !== 'requested') throw conflict(`infrastructure revision ${revision} is already ${version.infrastructureStatus}`);
    await store.putVersion({ ...version, infrastructureStatus: status });
    const record = { revision, status, reportedBy: caller.mspId, atMs: txTimeMs(ctx), ...details };
    emitEvent(ctx, event, record);
    return canonicalJson(record);
  }
}

/**
 * Every member's entitlement on this channel, summed over the allocation records' payouts (one
 * range read; queries only, never on the submit path). `allocations` counts the allocations that
 * have a payout to the member.
 */
async function entitlements(store: DaoStore): Promise<Map<string, EntitlementState>> {
  const totals = new Map<string, { amount: bigint; allocations: number }>();
  for (const allocation of await store.list<AllocationRecord>('allocation')) {
    for (const p of allocation.payouts) {
      const t = totals.get(p.mspId) ?? { amount: 0n, allocations: 0 };
      totals.set(p.mspId, { amount: t.amount + BigInt(p.amount), allocations: t.allocations + 1 });
    }
  }
  return new Map([...totals].map(([mspId, t]) => [mspId, { mspId, amount: t.amount.toString(), allocations: t.allocations }]));
}

/** The version record with one member's new state (and other changes of the same transaction). */
function withMember(version: VersionRecord, member: MemberState, changes: Partial<VersionState> = {}): VersionRecord {
  return { ...version, ...changes, memberStates: version.memberStates.map((m) => (m.mspId === member.mspId ? member : m)) };
}

/** What a revenue recorded under the earlier layout was (`revenue~<id>`, beside its allocation). */
async function legacyRevenue(store: DaoStore, revenueId: string): Promise<{ kind: string; reference?: string }> {
  const previous = await store.get<{ kind: string; reference?: string }>('revenue', revenueId);
  if (!previous) throw new Error(`allocation revenue:${revenueId} has no record of its revenue`);
  return previous;
}
