import type { Context } from 'fabric-contract-api';
import { compositeKey, conflict, forbidden, listJson, notFound, readJson, writeJson } from '@datawell/chaincode-common';
import type { InfrastructureSpec, Terms } from './agreement.validator';

/** State of version i of a DAO on its channel CH_i. Amounts are decimal strings; ratios are ppm. */
export interface VersionState {
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly agreementId: string;
  /** SHA-256 of the canonical agreement as InitVersion received it. */
  readonly agreementDigest: string;
  readonly documentDigest: string;
  /** β_i of this level only. */
  readonly betaPpm: number;
  /** MSP ids in agreement order (D first, then J1…J_i): the order of weights and remainders. */
  readonly members: readonly string[];
  terms: Terms;
  infrastructure: InfrastructureSpec;
  /** Bumped whenever a new infrastructure spec is requested; reports name the revision they apply to. */
  infrastructureRevision: number;
  infrastructureStatus: 'requested' | 'provisioned' | 'failed';
  status: 'active' | 'dissolved';
  readonly createdAtMs: number;
  dissolvedAtMs?: number;
  dissolvedReason?: string;
  /** Set once version i+1 exists: revenue is then recorded there (the top channel), not here. */
  successorChannel?: string;
  supersededAtMs?: number;
}

export type MemberStatus = 'active' | 'abandoned' | 'exited';

export interface MemberState {
  readonly mspId: string;
  readonly group: string;
  /** 0 for D, k for J_k. */
  readonly level: number;
  readonly role: 'DSP' | 'VSP';
  readonly weight: number;
  readonly ownershipPpm: number;
  status: MemberStatus;
  /** Latest signed heartbeat time of any of the member's workloads (kept under `heartbeat~<msp>`; merged in on reads). */
  lastHeartbeatMs?: number;
  exitRequestedAtMs?: number;
  exitEffectiveAtMs?: number;
  endedAtMs?: number;
}

export interface WorkloadState {
  readonly workloadId: string;
  readonly owner: string;
  readonly publicKeyPem: string;
  readonly keyType: 'ec-p256' | 'ed25519';
  readonly registeredAtMs: number;
  lastSeq?: number;
  lastHeartbeatMs?: number;
}

export interface Payout {
  readonly mspId: string;
  readonly amount: string;
}

/** What CH_i did with one lump: J_i's payouts and the rest, relayed inward or (on CH_1) paid to D. */
export interface AllocationState {
  readonly allocationId: string;
  readonly source: { readonly kind: 'revenue'; readonly revenueId: string } | { readonly kind: 'relay'; readonly sourceChannel: string; readonly sourceTxId: string };
  readonly level: number;
  readonly lump: string;
  /** β used for this lump: β_i, or 10^6 when J_i has ended. */
  readonly betaPpm: number;
  readonly levelEnded: boolean;
  readonly joiningShare: string;
  readonly rest: string;
  /** `channel` (dao-<d>-v<i−1>) to relay the rest to, or `group: D` on CH_1. */
  readonly restTo: { readonly channel: string } | { readonly group: 'D' };
  readonly payouts: readonly Payout[];
  readonly txId: string;
  readonly atMs: number;
}

/** One payout of one allocation to one member (`payout~<msp>~<allocationId>`). */
export interface PayoutState {
  readonly mspId: string;
  readonly allocationId: string;
  readonly amount: string;
  readonly atMs: number;
}

/** A member's entitlement on a channel: computed on read from its payouts. */
export interface EntitlementState {
  readonly mspId: string;
  readonly amount: string;
  readonly allocations: number;
}

export interface ProposalState {
  readonly proposalId: string;
  readonly kind: 'change-terms' | 'admit-member' | 'change-infrastructure' | 'dissolve';
  readonly payload: unknown;
  readonly description?: string;
  readonly proposer: string;
  readonly createdAtMs: number;
  status: 'open' | 'accepted' | 'rejected';
  yesPpm: number;
  noPpm: number;
  decidedAtMs?: number;
}

export interface VoteState {
  readonly proposalId: string;
  readonly mspId: string;
  readonly choice: 'yes' | 'no';
  readonly weightPpm: number;
  readonly atMs: number;
}

export const VERSION_KEY = 'version';

/** The ledger of one DAO channel: typed reads and writes over the keys of the state model. */
export class DaoStore {
  constructor(private readonly ctx: Context) {}

  key = (type: string, ...attributes: string[]) => compositeKey(this.ctx, type, attributes);

  async version(): Promise<VersionState> {
    const v = await readJson<VersionState>(this.ctx, VERSION_KEY);
    if (!v) throw notFound(`no DAO version on channel ${this.ctx.stub.getChannelID()}: InitVersion first`);
    return v;
  }

  async activeVersion(): Promise<VersionState> {
    const v = await this.version();
    if (v.status !== 'active') throw conflict(`DAO ${v.daoId} is dissolved`);
    return v;
  }

  existingVersion = () => readJson<VersionState>(this.ctx, VERSION_KEY);
  putVersion = (v: VersionState) => writeJson(this.ctx, VERSION_KEY, v);

  member = (mspId: string) => readJson<MemberState>(this.ctx, this.key('member', mspId));
  members = () => listJson<MemberState>(this.ctx, 'member');
  putMember = (m: MemberState) => writeJson(this.ctx, this.key('member', m.mspId), m);

  async requireMember(mspId: string): Promise<MemberState> {
    const m = await this.member(mspId);
    if (!m) throw notFound(`${mspId} is not a member of this DAO version`);
    return m;
  }

  /** The caller, who must be a member (any status) of this version. */
  async caller(action: string): Promise<MemberState> {
    const msp = this.ctx.clientIdentity.getMSPID();
    const m = await this.member(msp);
    if (!m) throw forbidden(`${msp} is not a member of this DAO version and may not ${action}`);
    return m;
  }

  /** The caller, who must be an active member, optionally of the founding group D. */
  async activeCaller(action: string, options: { foundingOnly?: boolean } = {}): Promise<MemberState> {
    const m = await this.caller(action);
    if (m.status !== 'active') throw forbidden(`${m.mspId} is ${m.status} and may not ${action}`);
    if (options.foundingOnly && m.level !== 0) throw forbidden(`${m.mspId} is not in the founding group D and may not ${action}`);
    return m;
  }

  lastHeartbeat = async (mspId: string) => (await readJson<{ lastHeartbeatMs: number }>(this.ctx, this.key('heartbeat', mspId)))?.lastHeartbeatMs;

  workload = (id: string) => readJson<WorkloadState>(this.ctx, this.key('workload', id));
  putWorkload = (w: WorkloadState) => writeJson(this.ctx, this.key('workload', w.workloadId), w);

  get = <T>(type: string, ...attributes: string[]) => readJson<T>(this.ctx, this.key(type, ...attributes));
  put = (value: unknown, type: string, ...attributes: string[]) => writeJson(this.ctx, this.key(type, ...attributes), value);
  list = <T>(type: string, ...attributes: string[]) => listJson<T>(this.ctx, type, attributes);
}
