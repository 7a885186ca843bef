import { ContractValidationError, decodeCloudEvent, HEARTBEAT_TYPE, heartbeatMessageSchema, type HeartbeatMessage } from '@datawell/contracts';
import type { ConnectionLogger } from '@datawell/messaging';
import type { TelemetryCounters } from '../metrics';
import type { TelemetryRepository } from '../model/telemetry.repository';
import type { WorkloadView } from '../model/model';
import { checkHeartbeat, heartbeatChannel, registrationsOf, type HeartbeatDropReason } from './heartbeat-check';
import type { HeartbeatStore } from './heartbeat-store.adapter';

export type HeartbeatOutcome = 'accepted' | 'held' | HeartbeatDropReason;

export interface HeartbeatServiceOptions {
  readonly repository: TelemetryRepository;
  readonly store: HeartbeatStore;
  readonly logger: ConnectionLogger;
  readonly pendingHeartbeatTtlMs: number;
  readonly counters: TelemetryCounters;
  readonly now?: () => number;
}

/**
 * Heartbeats in: each is verified against its workload's registered key and owner and kept as the
 * workload's latest (and pending for the next snapshot) only if its seq is new, on every channel of
 * the DAO where the workload is registered (see registrationsOf). Whatever is wrong
 * with a heartbeat is counted and logged, never thrown; only an infrastructure error throws (and
 * Kafka redelivers). A heartbeat whose workload is not registered yet is held briefly and re-checked.
 */
export class HeartbeatService {
  readonly #now: () => number;

  constructor(private readonly options: HeartbeatServiceOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** One Kafka message of the telemetry topic. */
  async handle(value: Buffer | null): Promise<HeartbeatOutcome> {
    let message: HeartbeatMessage;
    try {
      message = decodeCloudEvent(value, HEARTBEAT_TYPE, heartbeatMessageSchema).data;
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      return this.#drop('invalid-message', { error: error.message });
    }
    return this.process(message, false);
  }

  /**
   * Verifies and keeps one heartbeat. `recheck` is set for a held heartbeat: still unregistered, it
   * is left where it is (resolves `held`) instead of being held again.
   */
  async process(message: HeartbeatMessage, recheck: boolean): Promise<HeartbeatOutcome> {
    const hb = message.heartbeat;
    const channel = heartbeatChannel(message);
    const where = { workloadId: hb.workloadId, seq: hb.seq, owner: message.owner, daoId: message.daoId, version: message.version };
    if (!channel) return this.#drop('unknown-channel', where);
    const registrations = registrationsOf(channel, message.daoId, await this.options.repository.workloads({ workloadId: hb.workloadId }));
    if (registrations.length === 0) {
      if (recheck) return 'held';
      const held = await this.options.store.holdEarly(message, this.#now() + this.options.pendingHeartbeatTtlMs);
      if (!held) return this.#drop('unknown-workload', { ...where, note: 'too many heartbeats held' });
      this.options.counters.heartbeats.inc({ outcome: 'held' });
      this.options.logger.debug({ message: 'heartbeat of a workload not registered yet held for a re-check', ...where });
      return 'held';
    }
    // Kept on every channel where the workload is registered and the checks pass there: each channel
    // then records it and judges its members' silence from its own evidence.
    let first: HeartbeatDropReason | undefined;
    let accepted = 0;
    for (const workload of registrations) {
      const reason = await this.#keep(message, workload);
      if (reason === undefined) accepted += 1;
      else if (workload.channel === channel) first = reason;
      else this.options.logger.debug({ message: 'heartbeat not kept on a further channel of its workload', channel: workload.channel, reason, ...where });
    }
    if (accepted === 0) return this.#drop(first ?? 'member-ended', where);
    this.options.counters.heartbeats.inc({ outcome: 'accepted' });
    return 'accepted';
  }

  /** Checks and keeps a heartbeat on one channel's registration of its workload; the reason when not kept. */
  async #keep(message: HeartbeatMessage, workload: WorkloadView): Promise<HeartbeatDropReason | undefined> {
    const hb = message.heartbeat;
    const [version, owner, latest] = await Promise.all([
      this.options.repository.version(workload.channel),
      this.options.repository.member(workload.channel, workload.owner),
      this.options.store.latest(workload.channel, hb.workloadId),
    ]);
    const nowMs = this.#now();
    const reason = checkHeartbeat(message, { workload, version, ownerStatus: owner?.status, latestSeq: latest?.seq ?? null, nowMs });
    if (reason) return reason;
    if (!(await this.options.store.accept(workload.channel, workload.owner, hb, nowMs))) return 'stale-seq';
    return undefined;
  }

  /** Re-checks held heartbeats: registered ones are processed, expired ones dropped as unknown. */
  async recheckEarly(): Promise<void> {
    const nowMs = this.#now();
    for (const held of await this.options.store.early()) {
      const outcome = await this.process(held.message, true);
      if (outcome !== 'held') {
        await this.options.store.releaseEarly(held.raw);
      } else if (held.expiresAtMs <= nowMs) {
        await this.options.store.releaseEarly(held.raw);
        this.#drop('unknown-workload', { workloadId: held.message.heartbeat.workloadId, seq: held.message.heartbeat.seq, owner: held.message.owner });
      }
    }
  }

  #drop(reason: HeartbeatDropReason, details: Record<string, unknown>): HeartbeatDropReason {
    this.options.counters.heartbeats.inc({ outcome: reason });
    this.options.logger.warn({ message: 'heartbeat dropped', reason, ...details });
    return reason;
  }
}
