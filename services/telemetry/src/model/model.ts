import type { SignedHeartbeat } from '@datawell/contracts';

/** Telemetry's view of one DAO version, built from its `VersionCreated` event and later member events. */
export interface VersionView {
  readonly channel: string;
  readonly daoId: string;
  readonly version: number;
  readonly heartbeatIntervalSeconds: number;
  readonly abandonAfterSeconds: number;
  /** When the version appeared on the ledger (the relayed event's time), milliseconds. */
  readonly createdAtMs: number;
  /** When the term of the version's agreement ends for its joining group J_i (terms.durationDays after InitVersion); null if unknown. */
  readonly contractEndsAtMs: number | null;
  readonly status: 'active' | 'dissolved';
}

export type MemberStatus = 'active' | 'abandoned' | 'exited';

export interface MemberView {
  readonly channel: string;
  readonly mspId: string;
  readonly group: string;
  readonly role: string;
  /** Order in the agreement: the first founding-group member acts for the DAO's automation. */
  readonly position: number;
  readonly status: MemberStatus;
  readonly recordedSnapshots: number;
  readonly lastRecordedHeartbeatMs: number | null;
  /**
   * How many workloads the version's infrastructure spec names this member the owner of (managed or
   * self-hosted); null when unknown (a version telemetry learnt before it read the spec).
   */
  readonly expectedWorkloads: number | null;
  /** Since when the spec has expected a workload of it: the version's creation, or the accepted change of infrastructure that first named it. */
  readonly expectedSinceMs: number | null;
}

export interface WorkloadView {
  readonly channel: string;
  readonly workloadId: string;
  readonly daoId: string;
  readonly version: number;
  readonly owner: string;
  readonly keyType: string | null;
  readonly publicKeyPem: string | null;
  readonly registeredAtMs: number;
  /** The highest seq of this workload put in a snapshot by this service. */
  readonly snapshotSeq: number | null;
  /** The highest seq the ledger has recorded (TelemetryRecorded), whoever submitted it. */
  readonly recordedSeq: number | null;
  readonly recordedHeartbeatMs: number | null;
}

/** A verified heartbeat as kept in Redis, not yet put in a snapshot. */
export type PendingHeartbeat = SignedHeartbeat;

/** Who acts for the DAO's automation on a channel: the first active member of the founding group D. */
export function foundingMember(members: readonly MemberView[], channel: string, except?: string): MemberView | undefined {
  const founders = members
    .filter((m) => m.channel === channel && m.group === 'D' && m.status === 'active')
    .sort((a, b) => a.position - b.position);
  return founders.find((m) => m.mspId !== except) ?? founders[0];
}
