import { daoChannelName, verifyHeartbeatSignature, type HeartbeatMessage } from '@datawell/contracts';
import type { MemberStatus, VersionView, WorkloadView } from '../model/model';

/** The chaincode refuses heartbeats dated further ahead of the transaction time than this. */
export const MAX_HEARTBEAT_SKEW_MS = 5 * 60 * 1000;

/** Why a heartbeat was not kept; each is counted and logged, never thrown. */
export type HeartbeatDropReason =
  | 'invalid-message'
  | 'unknown-workload'
  | 'unknown-channel'
  | 'owner-mismatch'
  | 'no-key'
  | 'bad-signature'
  | 'stale-seq'
  | 'future-timestamp'
  | 'member-ended';

export interface HeartbeatContext {
  readonly workload: WorkloadView;
  readonly version: VersionView | undefined;
  readonly ownerStatus: MemberStatus | undefined;
  /** The highest seq of the workload already seen (latest in Redis), if any. */
  readonly latestSeq: number | null;
  readonly nowMs: number;
}

/** The channel a heartbeat message names. Undefined when its DAO id and version name no channel. */
export function heartbeatChannel(message: HeartbeatMessage): string | undefined {
  try {
    return daoChannelName(message.daoId, message.version);
  } catch {
    return undefined;
  }
}

/**
 * The registrations a heartbeat counts on: the one on the channel its message names first, then the
 * same workload's registrations on the DAO's other channels (a member of version i sits in every later
 * version's channel, where its provisioner carries its workloads over with the same id and key). The
 * signature covers no channel, so each registration checks the heartbeat against its own key and owner;
 * empty when the named channel has no registration (yet): the heartbeat is held, as before.
 */
export function registrationsOf<W extends Pick<WorkloadView, 'channel' | 'daoId'>>(named: string, daoId: string, registrations: readonly W[]): W[] {
  const home = registrations.find((w) => w.channel === named);
  if (!home) return [];
  return [home, ...registrations.filter((w) => w !== home && w.daoId === daoId).sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0))];
}

/**
 * Whether a heartbeat of a registered workload is kept: the owner it claims is the registered one,
 * its signature verifies with the registered key, its seq is after every seq seen or recorded, it is
 * not dated beyond what the chaincode accepts, and its owner is still a member of a live version.
 */
export function checkHeartbeat(message: HeartbeatMessage, ctx: HeartbeatContext): HeartbeatDropReason | undefined {
  const { workload, version } = ctx;
  const hb = message.heartbeat;
  if (!version) return 'unknown-channel';
  if (message.owner !== workload.owner) return 'owner-mismatch';
  if (!workload.publicKeyPem) return 'no-key';
  if (!verifyHeartbeatSignature(hb, workload.publicKeyPem)) return 'bad-signature';
  const seen = Math.max(ctx.latestSeq ?? -1, workload.snapshotSeq ?? -1, workload.recordedSeq ?? -1);
  if (hb.seq <= seen) return 'stale-seq';
  if (hb.timestamp > ctx.nowMs + MAX_HEARTBEAT_SKEW_MS) return 'future-timestamp';
  if (version.status !== 'active' || ctx.ownerStatus !== 'active') return 'member-ended';
  return undefined;
}
