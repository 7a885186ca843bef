import { DAO, ledgerCommandCloudEvent, type LedgerCommand } from '@datawell/contracts';
import type { ConnectionLogger, OutboxMessage, WakeOutbox } from '@datawell/messaging';
import type { HeartbeatService } from '../heartbeats/heartbeat.service';
import type { HeartbeatStore } from '../heartbeats/heartbeat-store.adapter';
import type { TelemetryCounters } from '../metrics';
import type { TelemetryRepository } from '../model/telemetry.repository';
import { abandonmentCandidates, actingMember, contractEndCandidates, evaluateAbandonmentCommand, evaluateContractEndCommand, planSnapshots, recordTelemetryCommand } from './fold';

export const TELEMETRY_SOURCE = 'urn:datawell:telemetry';

export function commandMessage(command: LedgerCommand, topic: string): OutboxMessage {
  const envelope = ledgerCommandCloudEvent(command, TELEMETRY_SOURCE);
  return { id: envelope.id, topic, key: command.channel, payload: envelope, headers: { ce_type: envelope.type } };
}

export interface FoldServiceOptions {
  readonly repository: TelemetryRepository;
  readonly store: HeartbeatStore;
  readonly heartbeats: HeartbeatService;
  readonly commandsTopic: string;
  /** Member mode: the member this telemetry acts as (and only as); absent, each channel's founding member. */
  readonly memberMspId?: string;
  readonly logger: ConnectionLogger;
  readonly counters: TelemetryCounters;
  /** Called when ledger commands were written to the outbox (the relay's `notify`). */
  readonly wakeOutbox: WakeOutbox;
  readonly now?: () => number;
  /** How long a member expected to run a workload may go without registering one before it is put to the chaincode (AbandonmentInput.registrationGraceMs). */
  readonly registrationGraceMs: number;
  /** How long after a contract-end request a member still active is asked about again (default 10 min). */
  readonly contractEndRetryMs?: number;
  /**
   * Whether every heartbeat that waited on Kafka while telemetry was down has been read. Until then
   * no abandonment is asked for: the members' silence would be telemetry's own (default: always).
   */
  readonly heartbeatsCaughtUp?: () => boolean;
}

export interface FoldResult {
  readonly snapshots: string[];
  readonly abandonmentRequests: string[];
  readonly contractEndRequests: string[];
}

/**
 * One fold: held heartbeats re-checked, each channel's pending heartbeats folded into RecordTelemetry
 * snapshots, and silent members put to the chaincode with EvaluateAbandonment. Every command is
 * written to the outbox with the record that makes it unique (snapshot, request), so a crash at any
 * point neither loses a heartbeat that was not in a committed snapshot nor submits one twice.
 */
export class FoldService {
  readonly #now: () => number;
  #waitingForBacklog = false;

  constructor(private readonly options: FoldServiceOptions) {
    this.#now = options.now ?? Date.now;
  }

  async tick(): Promise<FoldResult> {
    await this.options.heartbeats.recheckEarly();
    const snapshots = await this.foldSnapshots();
    const abandonmentRequests = await this.requestAbandonment();
    const contractEndRequests = await this.requestContractEnds();
    if (snapshots.length + abandonmentRequests.length + contractEndRequests.length > 0) this.options.wakeOutbox();
    return { snapshots, abandonmentRequests, contractEndRequests };
  }

  async foldSnapshots(): Promise<string[]> {
    const { repository, store, logger } = this.options;
    const written: string[] = [];
    for (const channel of await store.pendingChannels()) {
      const { entries, invalid } = await store.pending(channel);
      const read = [...entries.map((e) => ({ field: e.heartbeat.workloadId, raw: e.raw })), ...invalid];
      const version = await repository.version(channel);
      if (!version) continue; // its VersionCreated is still on its way; keep the heartbeats
      const self = this.options.memberMspId;
      const acting = actingMember(await repository.members([channel]), channel, self);
      if (version.status !== 'active' || !acting) {
        logger.warn({ message: 'heartbeats of an ended DAO version dropped', channel, heartbeats: entries.length });
        await store.clear(channel, read);
        continue;
      }
      const ids = await repository.withChannelFold(channel, async ({ manager, workloads, nextFoldSeq }) => {
        const plan = planSnapshots(channel, entries.map((e) => e.heartbeat), workloads, nextFoldSeq, undefined, self);
        for (const snapshot of plan.snapshots) {
          const command = recordTelemetryCommand(channel, snapshot, acting.mspId);
          await repository.insertSnapshot(
            manager,
            {
              snapshotId: snapshot.snapshotId,
              channel,
              foldSeq: snapshot.foldSeq,
              commandId: command.commandId,
              heartbeats: snapshot.heartbeats.map(({ workloadId, seq }) => ({ workloadId, seq })),
            },
            commandMessage(command, this.options.commandsTopic),
          );
        }
        if (plan.stale.length > 0) logger.debug({ message: 'already recorded heartbeats left out', channel, heartbeats: plan.stale.length });
        return plan.snapshots.map((s) => s.snapshotId);
      });
      await store.clear(channel, read);
      for (const id of ids) {
        this.options.counters.commands.inc({ transaction: DAO.tx.RecordTelemetry });
        logger.log({ message: 'telemetry snapshot written', channel, snapshotId: id });
      }
      written.push(...ids);
    }
    return written;
  }

  async requestAbandonment(): Promise<string[]> {
    const { repository, store, logger } = this.options;
    if (this.options.heartbeatsCaughtUp && !this.options.heartbeatsCaughtUp()) {
      if (!this.#waitingForBacklog) logger.log({ message: 'abandonment not evaluated until the heartbeats queued while telemetry was away are read' });
      this.#waitingForBacklog = true;
      return [];
    }
    if (this.#waitingForBacklog) logger.log({ message: 'queued heartbeats read; evaluating abandonment' });
    this.#waitingForBacklog = false;
    const versions = (await repository.versions()).filter((v) => v.status === 'active');
    if (versions.length === 0) return [];
    const channels = versions.map((v) => v.channel);
    const [members, workloads] = await Promise.all([repository.members(channels), repository.workloads({ channels })]);
    const latest = await store.latestMany(workloads);
    const candidates = abandonmentCandidates({
      versions,
      members,
      workloads: workloads.map((w, i) => {
        const seen = Math.max(latest[i]?.timestamp ?? 0, w.recordedHeartbeatMs ?? 0);
        return { channel: w.channel, owner: w.owner, registeredAtMs: w.registeredAtMs, lastHeartbeatMs: seen > 0 ? seen : null };
      }),
      nowMs: this.#now(),
      registrationGraceMs: this.options.registrationGraceMs,
      ...(this.options.memberMspId ? { self: this.options.memberMspId } : {}),
    });
    const written: string[] = [];
    for (const candidate of candidates) {
      const message = commandMessage(evaluateAbandonmentCommand(candidate), this.options.commandsTopic);
      if (!(await repository.insertAbandonmentRequest(candidate, message))) continue;
      this.options.counters.commands.inc({ transaction: DAO.tx.EvaluateAbandonment });
      logger.log({ message: 'abandonment evaluation requested', channel: candidate.channel, mspId: candidate.mspId, sinceMs: candidate.sinceMs, commandId: candidate.commandId });
      written.push(candidate.commandId);
    }
    return written;
  }

  /** Members of a joining group whose version's term has run, put to the chaincode (EvaluateContractEnd). */
  async requestContractEnds(): Promise<string[]> {
    const { repository, logger } = this.options;
    const nowMs = this.#now();
    const versions = (await repository.versions()).filter((v) => v.status === 'active' && v.contractEndsAtMs !== null && v.contractEndsAtMs <= nowMs);
    if (versions.length === 0) return [];
    const members = await repository.members(versions.map((v) => v.channel));
    const written: string[] = [];
    for (const candidate of contractEndCandidates({ versions, members, nowMs, retryMs: this.options.contractEndRetryMs ?? 600_000, ...(this.options.memberMspId ? { self: this.options.memberMspId } : {}) })) {
      const message = commandMessage(evaluateContractEndCommand(candidate), this.options.commandsTopic);
      if (!(await repository.insertContractEndRequest(candidate, message))) continue;
      this.options.counters.commands.inc({ transaction: DAO.tx.EvaluateContractEnd });
      logger.log({ message: 'contract end evaluation requested', channel: candidate.channel, mspId: candidate.mspId, contractEndsAtMs: candidate.contractEndsAtMs, commandId: candidate.commandId });
      written.push(candidate.commandId);
    }
    return written;
  }
}
