import { DAO_ID_PATTERN } from '@datawell/contracts';
import type { HeartbeatStore } from '../heartbeats/heartbeat-store.adapter';
import type { TelemetryRepository } from '../model/telemetry.repository';
import type { DaoTelemetryDto, WorkloadLiveDto } from './live-view.dto';
import { workloadStatus } from './status';
import { TelemetryError } from './telemetry.errors';

/** A workload id, as the route takes it (documented from this). */
export const WORKLOAD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * The live view served over HTTP: PostgreSQL's read models with Redis's latest heartbeats. A caller
 * sees the versions its organisation is a member of, as on the ledger (a later joiner never sees CH_1).
 */
export class LiveViewService {
  readonly #now: () => number;

  constructor(
    private readonly repository: TelemetryRepository,
    private readonly store: HeartbeatStore,
    now?: () => number,
  ) {
    this.#now = now ?? Date.now;
  }

  async workloads(viewer: string, workloadId?: string): Promise<WorkloadLiveDto[]> {
    const visible = await this.repository.channelsOf(viewer);
    const workloads = (await this.repository.workloads(workloadId === undefined ? {} : { workloadId })).filter((w) => visible.has(w.channel));
    if (workloads.length === 0) return [];
    const channels = [...new Set(workloads.map((w) => w.channel))];
    const [versions, members, latest] = await Promise.all([
      this.repository.versions(),
      this.repository.members(channels),
      this.store.latestMany(workloads),
    ]);
    const nowMs = this.#now();
    return workloads.map((w, i) => {
      const version = versions.find((v) => v.channel === w.channel);
      const member = members.find((m) => m.channel === w.channel && m.mspId === w.owner);
      const hb = latest[i];
      const lastHeartbeatMs = Math.max(hb?.timestamp ?? 0, w.recordedHeartbeatMs ?? 0) || null;
      return {
        workloadId: w.workloadId,
        owner: w.owner,
        daoId: w.daoId,
        version: w.version,
        channel: w.channel,
        lastSeq: hb?.seq ?? w.recordedSeq,
        lastHeartbeatAt: iso(lastHeartbeatMs),
        ageSeconds: lastHeartbeatMs === null ? null : Math.max(0, Math.round((nowMs - lastHeartbeatMs) / 1000)),
        metrics: { ...(hb?.metrics ?? {}) },
        recordedSeq: w.recordedSeq,
        status: workloadStatus({
          memberStatus: member?.status,
          versionStatus: version?.status,
          lastHeartbeatMs,
          heartbeatIntervalSeconds: version?.heartbeatIntervalSeconds ?? 0,
          abandonAfterSeconds: version?.abandonAfterSeconds ?? 0,
          nowMs,
        }),
      };
    });
  }

  async workload(viewer: string, workloadId: string): Promise<WorkloadLiveDto> {
    if (!WORKLOAD_ID.test(workloadId)) throw new TelemetryError('INVALID_REQUEST', `not a workload id: "${workloadId.slice(0, 140)}"`);
    const [found] = await this.workloads(viewer, workloadId);
    if (found) return found;
    // A workload of a DAO the viewer is not in answers exactly as an unknown one: ids cannot be probed.
    throw new TelemetryError('WORKLOAD_NOT_FOUND', `no workload ${workloadId} is registered`);
  }

  async daoTelemetry(viewer: string, daoId: string): Promise<DaoTelemetryDto> {
    if (!DAO_ID_PATTERN.test(daoId)) throw new TelemetryError('INVALID_REQUEST', `not a DAO id: "${daoId.slice(0, 60)}"`);
    const visible = await this.repository.channelsOf(viewer);
    const versions = (await this.repository.versions(daoId)).filter((v) => visible.has(v.channel));
    // Unknown, or none of its versions the viewer's: the same answer.
    if (versions.length === 0) throw new TelemetryError('DAO_NOT_FOUND', `no version of DAO ${daoId} is known`);
    const channels = versions.map((v) => v.channel);
    const [members, workloads, snapshots] = await Promise.all([
      this.repository.members(channels),
      this.repository.workloads({ channels }),
      this.repository.snapshots(channels),
    ]);
    const latest = await this.store.latestMany(workloads);
    return {
      daoId,
      versions: versions.map((v) => {
        const count = (status: string) => snapshots.filter((s) => s.channel === v.channel && s.status === status).length;
        return {
          version: v.version,
          channel: v.channel,
          status: v.status,
          heartbeatIntervalSeconds: v.heartbeatIntervalSeconds,
          abandonAfterSeconds: v.abandonAfterSeconds,
          snapshots: { submitted: count('submitted'), committed: count('committed'), failed: count('failed') },
          members: members
            .filter((m) => m.channel === v.channel)
            .map((m) => {
              const own = workloads.map((w, i) => ({ w, hb: latest[i] })).filter(({ w }) => w.channel === v.channel && w.owner === m.mspId);
              const last = Math.max(m.lastRecordedHeartbeatMs ?? 0, ...own.map(({ w, hb }) => Math.max(hb?.timestamp ?? 0, w.recordedHeartbeatMs ?? 0)));
              return {
                mspId: m.mspId,
                group: m.group,
                role: m.role,
                status: m.status,
                abandoned: m.status === 'abandoned',
                workloads: own.length,
                lastHeartbeatAt: iso(last > 0 ? last : null),
                recordedSnapshots: m.recordedSnapshots,
              };
            }),
        };
      }),
    };
  }
}
