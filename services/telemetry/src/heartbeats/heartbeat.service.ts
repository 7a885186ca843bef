import { ContractValidationError, decodeCloudEvent, HEARTBEAT_TYPE, heartbeatMessageSchema, type HeartbeatMessage } from '@datawell/contracts';
import type { ConnectionLogger } from '@datawell/messaging';
import type { TelemetryCounters } from '../metrics';
import type { TelemetryRepository } from '../model/telemetry.repository';
import { checkHeartbeat, heartbeatChannel, type HeartbeatDropReason } from './heartbeat-check';
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
 * workload's latest (and pending for the next snapshot) only if its seq is new. Whatever is wrong
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
    const workload = await this.options.repository.workload(channel, hb.workloadId);
    if (!workload) {
      if (recheck) return 'held';
      const held = await this.options.store.holdEarly(message, this.#now() + this.options.pendingHeartbeatTtlMs);
      if (!held) return this.#drop('unknown-workload', { ...where, note: 'too many heartbeats held' });
      this.options.counters.heartbeats.inc({ outcome: 'held' });
      this.options.logger.debug({ message: 'heartbeat of a workload not registered yet held for a re-check', ...where });
      return 'held';
    }
    const [version, owner, latest] = await Promise.all([
      this.options.repository.version(channel),
      this.options.repository.member(channel, workload.owner),
      this.options.store.latest(channel, hb.workloadId),
    ]);
    const nowMs = this.#now();
    const reason = checkHeartbeat(message, { workload, version, ownerStatus: owner?.status, latestSeq: latest?.seq ?? null, nowMs });
    if (reason) return this.#drop(reason, where);
    if (!(await this.options.store.accept(channel, workload.owner, hb, nowMs))) return this.#drop('stale-seq', where);
    this.options.counters.heartbeats.inc({ outcome: 'accepted' });
    return 'accepted';
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
