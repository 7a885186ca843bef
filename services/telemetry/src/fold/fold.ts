import { DAO, ledgerCommandId, type LedgerCommand, type SignedHeartbeat } from '@datawell/contracts';
import { foundingMember, type MemberView, type VersionView, type WorkloadView } from '../model/model';

/** The dao chaincode's limit (snapshotSchema). */
export const MAX_SNAPSHOT_HEARTBEATS = 1000;

export interface PlannedSnapshot {
  readonly snapshotId: string;
  readonly foldSeq: number;
  readonly heartbeats: readonly SignedHeartbeat[];
}

export interface SnapshotPlan {
  readonly snapshots: readonly PlannedSnapshot[];
  /** Pending heartbeats already put in a snapshot or recorded on the ledger: to drop, never resend. */
  readonly stale: readonly SignedHeartbeat[];
}

/**
 * A snapshot's id: the channel and the channel's fold sequence, so a retried fold never records
 * twice; a member's telemetry adds its MSP id, as each member's numbers its own snapshots.
 */
export function snapshotId(channel: string, foldSeq: number, memberMspId?: string): string {
  return memberMspId ? `${channel}:${memberMspId}:${foldSeq}` : `${channel}:${foldSeq}`;
}

export function snapshotCommandId(id: string): string {
  return ledgerCommandId('telemetry', 'record', id);
}

/**
 * Folds one channel's pending heartbeats (the latest verified one per workload) into snapshots of at
 * most `max` heartbeats, numbered from `nextFoldSeq`, leaving out what the ledger would refuse as
 * replayed: a seq not after the highest already put in a snapshot or recorded.
 */
export function planSnapshots(
  channel: string,
  pending: readonly SignedHeartbeat[],
  workloads: ReadonlyMap<string, Pick<WorkloadView, 'snapshotSeq' | 'recordedSeq'>>,
  nextFoldSeq: number,
  max = MAX_SNAPSHOT_HEARTBEATS,
  memberMspId?: string,
): SnapshotPlan {
  const latest = new Map<string, SignedHeartbeat>();
  for (const hb of pending) {
    const seen = latest.get(hb.workloadId);
    if (!seen || hb.seq > seen.seq) latest.set(hb.workloadId, hb);
  }
  const fresh: SignedHeartbeat[] = [];
  const stale: SignedHeartbeat[] = pending.filter((hb) => latest.get(hb.workloadId) !== hb);
  for (const hb of latest.values()) {
    const w = workloads.get(hb.workloadId);
    const done = Math.max(w?.snapshotSeq ?? -1, w?.recordedSeq ?? -1);
    if (hb.seq <= done) stale.push(hb);
    else fresh.push(hb);
  }
  fresh.sort((a, b) => (a.workloadId < b.workloadId ? -1 : a.workloadId > b.workloadId ? 1 : 0));
  const snapshots: PlannedSnapshot[] = [];
  for (let i = 0; i < fresh.length; i += max) {
    const foldSeq = nextFoldSeq + snapshots.length;
    snapshots.push({ snapshotId: snapshotId(channel, foldSeq, memberMspId), foldSeq, heartbeats: fresh.slice(i, i + max) });
  }
  return { snapshots, stale };
}

/** The ledger command recording a snapshot, as the channel's founding member. */
export function recordTelemetryCommand(channel: string, snapshot: PlannedSnapshot, actingMspId: string): LedgerCommand {
  return DAO.command(DAO.tx.RecordTelemetry, { commandId: snapshotCommandId(snapshot.snapshotId), channel, actingMspId }, { snapshotId: snapshot.snapshotId, heartbeats: [...snapshot.heartbeats] });
}

export interface AbandonmentCandidate {
  readonly channel: string;
  readonly mspId: string;
  readonly actingMspId: string;
  /**
   * The newest heartbeat or registration of the member's workloads on the channel, or the version's
   * creation (also for a member expected to run a workload that registered none: the chaincode's measure).
   */
  readonly sinceMs: number;
  /** How many whole abandon-after periods have passed since `sinceMs`: one request per period. */
  readonly windowIndex: number;
  readonly commandId: string;
}

export interface AbandonmentInput {
  readonly versions: readonly VersionView[];
  readonly members: readonly MemberView[];
  /** Each workload with its newest known heartbeat (verified here or recorded on the ledger). */
  readonly workloads: ReadonlyArray<Pick<WorkloadView, 'channel' | 'owner' | 'registeredAtMs'> & { readonly lastHeartbeatMs: number | null }>;
  readonly nowMs: number;
  /**
   * How long after it is first expected to run a workload (the version's creation, or the change of
   * infrastructure that named it) a member that has registered none is put to the chaincode:
   * provisioning's, or a self-hosting member's own set-up's, allowance (TELEMETRY_REGISTRATION_GRACE_SECONDS).
   */
  readonly registrationGraceMs: number;
  /**
   * Member mode: the member whose telemetry asks. It acts as itself (where it is an active member
   * of the version) and evaluates the other members; absent, the founding member acts.
   */
  readonly self?: string;
}

/**
 * Who submits an evaluation on a channel: the member itself in member mode (when it is an active
 * member there), otherwise the channel's founding member (other than `except` where there is one).
 */
export function actingMember(members: readonly MemberView[], channel: string, self: string | undefined, except?: string): MemberView | undefined {
  if (self) return members.find((m) => m.channel === channel && m.mspId === self && m.status === 'active');
  return foundingMember(members, channel, except);
}

export function abandonmentCommandId(channel: string, mspId: string, sinceMs: number, windowIndex: number): string {
  return ledgerCommandId('telemetry', 'abandon', channel, mspId, sinceMs, windowIndex);
}

/**
 * The active members of active versions silent for longer than the version's abandon-after: the
 * chaincode is asked to decide (EvaluateAbandonment), acting as the founding DSP, or in member mode as
 * the asking member (never about itself).
 *
 * - A member owning workloads on the channel: silence counts from the newest of the version's creation,
 *   its workloads' registrations and their heartbeats. Registration counts because provisioning may take
 *   longer than abandon-after: a member is not put to the chaincode before its workloads could heartbeat.
 * - A member owning none that the version's infrastructure spec expects to run at least one (managed or
 *   self-hosted): put to the chaincode once `registrationGraceMs` has passed since it was first expected,
 *   silence counting from the version's creation as the chaincode counts it (no heartbeat: since creation).
 * - A member the spec expects nothing of, or whose expectations are unknown, and that registered nothing:
 *   never. The chaincode would abandon it when asked (it has no heartbeat to show), though it was never
 *   meant to run anything.
 */
export function abandonmentCandidates(input: AbandonmentInput): AbandonmentCandidate[] {
  const out: AbandonmentCandidate[] = [];
  for (const version of input.versions) {
    if (version.status !== 'active') continue;
    const periodMs = version.abandonAfterSeconds * 1000;
    for (const member of input.members) {
      if (member.channel !== version.channel || member.status !== 'active' || member.mspId === input.self) continue;
      const owned = input.workloads.filter((w) => w.channel === version.channel && w.owner === member.mspId);
      let sinceMs: number;
      if (owned.length > 0) {
        sinceMs = Math.max(version.createdAtMs, ...owned.map((w) => Math.max(w.registeredAtMs, w.lastHeartbeatMs ?? 0)));
      } else {
        if (!member.expectedWorkloads) continue;
        const expectedSinceMs = Math.max(version.createdAtMs, member.expectedSinceMs ?? 0);
        if (input.nowMs - expectedSinceMs <= input.registrationGraceMs) continue;
        sinceMs = version.createdAtMs;
      }
      const silentMs = input.nowMs - sinceMs;
      if (silentMs <= periodMs) continue;
      const acting = actingMember(input.members, version.channel, input.self, member.mspId);
      if (!acting) continue;
      const windowIndex = periodMs === 0 ? silentMs : Math.floor(silentMs / periodMs);
      out.push({
        channel: version.channel,
        mspId: member.mspId,
        actingMspId: acting.mspId,
        sinceMs,
        windowIndex,
        commandId: abandonmentCommandId(version.channel, member.mspId, sinceMs, windowIndex),
      });
    }
  }
  return out;
}

/** A dao chaincode transaction about one member (its MSP id the only argument), as the acting member. */
function memberEvaluation(
  transaction: typeof DAO.tx.EvaluateAbandonment | typeof DAO.tx.EvaluateContractEnd,
  candidate: { commandId: string; channel: string; mspId: string; actingMspId: string },
): LedgerCommand {
  return DAO.command(transaction, { commandId: candidate.commandId, channel: candidate.channel, actingMspId: candidate.actingMspId }, candidate.mspId);
}

export function evaluateAbandonmentCommand(candidate: AbandonmentCandidate): LedgerCommand {
  return memberEvaluation(DAO.tx.EvaluateAbandonment, candidate);
}

export interface ContractEndCandidate {
  readonly channel: string;
  readonly mspId: string;
  readonly actingMspId: string;
  readonly contractEndsAtMs: number;
  /** One request per retry period after the end, should an earlier one have failed. */
  readonly attempt: number;
  readonly commandId: string;
}

export interface ContractEndInput {
  readonly versions: readonly VersionView[];
  readonly members: readonly MemberView[];
  readonly nowMs: number;
  /** How long to wait before asking again about a member still active after a request. */
  readonly retryMs: number;
  /** Member mode: the member whose telemetry asks, as itself (see AbandonmentInput.self). */
  readonly self?: string;
}

/**
 * The active members of each active version's joining group J_i whose contract term has run (the
 * version's terms.durationDays after its creation): the chaincode is asked to end them
 * (EvaluateContractEnd), acting as the founding DSP, or in member mode as the asking member. The chaincode decides from its own transaction
 * time; a request made a little early is answered "not ended" and asked again after `retryMs`.
 */
export function contractEndCandidates(input: ContractEndInput): ContractEndCandidate[] {
  const out: ContractEndCandidate[] = [];
  for (const version of input.versions) {
    if (version.status !== 'active' || version.contractEndsAtMs === null || input.nowMs < version.contractEndsAtMs) continue;
    const joining = `J${version.version}`;
    for (const member of input.members) {
      if (member.channel !== version.channel || member.group !== joining || member.status !== 'active') continue;
      const acting = actingMember(input.members, version.channel, input.self);
      if (!acting) continue;
      const attempt = Math.floor((input.nowMs - version.contractEndsAtMs) / Math.max(1, input.retryMs));
      out.push({
        channel: version.channel,
        mspId: member.mspId,
        actingMspId: acting.mspId,
        contractEndsAtMs: version.contractEndsAtMs,
        attempt,
        commandId: ledgerCommandId('telemetry', 'contract-end', version.channel, member.mspId, version.contractEndsAtMs, attempt),
      });
    }
  }
  return out;
}

export function evaluateContractEndCommand(candidate: ContractEndCandidate): LedgerCommand {
  return memberEvaluation(DAO.tx.EvaluateContractEnd, candidate);
}
