import type { MemberStatus } from '../model/model';

export type WorkloadStatus = 'healthy' | 'late' | 'silent' | 'abandoned';

export interface StatusInput {
  readonly memberStatus: MemberStatus | undefined;
  readonly versionStatus: 'active' | 'dissolved' | undefined;
  readonly lastHeartbeatMs: number | null;
  readonly heartbeatIntervalSeconds: number;
  readonly abandonAfterSeconds: number;
  readonly nowMs: number;
}

/**
 * A workload's health as shown live: abandoned once its owner left the version (or the version
 * ended); otherwise healthy within two heartbeat intervals, late until abandon-after, then silent
 * (also when it never sent a heartbeat). The chaincode, not this, decides abandonment.
 */
export function workloadStatus(input: StatusInput): WorkloadStatus {
  if ((input.memberStatus !== undefined && input.memberStatus !== 'active') || input.versionStatus === 'dissolved') return 'abandoned';
  if (input.lastHeartbeatMs === null) return 'silent';
  const age = input.nowMs - input.lastHeartbeatMs;
  if (age <= 2 * input.heartbeatIntervalSeconds * 1000) return 'healthy';
  if (age <= input.abandonAfterSeconds * 1000) return 'late';
  return 'silent';
}
