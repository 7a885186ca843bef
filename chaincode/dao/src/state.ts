import type { Context } from 'fabric-contract-api';
import { PrivateState, compositeKey, conflict, forbidden, notFound, openValue, sealValue } from '@datawell/chaincode-common';
import { DAO, DAO_PRIVATE_COLLECTION } from '@datawell/contracts';
import { getStates, putStates } from './batch';
import { refused } from './governance';
import type { InfrastructureSpec, Terms } from './agreement.validator';
import { withLegacyMembers } from './transactions/legacy-layout';

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
  /** When version i+1 was created: subscription periods beginning from then on are its to charge. */
  successorCreatedAtMs?: number;
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
  /** Why an exited member left: its own notice (`exit`), the end of its version's term (`contract-ended`) or a transfer of its position (`transfer`). */
  endReason?: 'exit' | 'contract-ended' | 'transfer';
  /** A member who transferred its position: to whom (transactions/transfer.ts). */
  transferredTo?: string;
  /** A member who took a position by transfer: from whom, and when (abandonment counts from then). */
  readonly transferredFrom?: string;
  readonly joinedAtMs?: number;
}

/** A transfer of rights on this channel (transactions/transfer.ts): the position as offered, and its steps. */
export interface TransferState {
  readonly transferId: string;
  readonly from: string;
  readonly to: string;
  readonly group: string;
  readonly level: number;
  readonly role: 'DSP' | 'VSP';
  readonly weight: number;
  readonly ownershipPpm: number;
  /** Whether `to` was a member of this version when offered (an internal transfer inside the group). */
  readonly recipientWasMember: boolean;
  status: 'offered' | 'completed';
  readonly offeredAtMs: number;
  acceptedAtMs?: number;
  /** Members who consented, the leaver first (its offer counts as consent). */
  readonly consents: readonly string[];
  completedAtMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * A subscription version's grid of periods: period k begins at originMs + k · periodMs. The origin is
 * the terms' `price.perPeriod.originMs` (a successor continues its predecessor's grid), else the
 * version's creation. Undefined for a pay-per-use version or one without a price per period.
 */
export function periodGrid(version: Pick<VersionState, 'createdAtMs' | 'terms'>): { readonly originMs: number; readonly periodMs: number } | undefined {
  const perPeriod = version.terms.price?.perPeriod;
  if (version.terms.businessModel !== 'subscription' || !perPeriod) return undefined;
  return { originMs: perPeriod.originMs ?? version.createdAtMs, periodMs: perPeriod.periodSeconds * 1000 };
}

/** When the term of a version's agreement ends: terms.durationDays after its InitVersion (transaction time). */
export function contractEndsAtMs(version: Pick<VersionState, 'createdAtMs' | 'terms'>): number {
  return version.createdAtMs + version.terms.durationDays * DAY_MS;
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

// A type, not an interface: payouts go into event payloads, which are open records.
export type Payout = {
  readonly mspId: string;
  readonly amount: string;
};

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

/**
 * The allocation as stored under `allocation~<allocationId>`: for revenue it also holds what the
 * revenue was (kind, reference, who recorded it), so recording revenue writes one document (plus
 * the transaction index). Readers get the AllocationState without `revenue` (allocationView).
 */
export interface AllocationRecord extends AllocationState {
  readonly revenue?: { readonly kind: 'use' | 'subscription-period'; readonly reference?: string; readonly recordedBy: string };
}

/** An allocation as the queries and events return it (the stored record without `revenue`). */
export function allocationView(record: AllocationRecord): AllocationState {
  const { revenue: _revenue, ...allocation } = record;
  return allocation;
}

/** A member's entitlement on a channel: computed on read from the allocations' payouts. */
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
  /** The end of the voting period (transaction time), and the quorum of a decision at that deadline: from the terms at creation. Absent on proposals stored before they existed. */
  readonly votingEndsAtMs?: number;
  readonly quorumPpm?: number;
  /** `expired`: closed at the deadline with fewer than the quorum voting. */
  status: 'open' | 'accepted' | 'rejected' | 'expired';
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

/**
 * The version record as stored under `version`: the version and its members' states, in agreement
 * order, in one document. One read gives a transaction the version, the caller's membership and
 * role and every member's status (what an allocation needs); a member's status change rewrites it.
 * Heartbeats are not in it (`heartbeat~<msp>`), so telemetry never invalidates revenue (MVCC).
 */
export interface VersionRecord extends VersionState {
  readonly memberStates: readonly MemberState[];
}

/** The version without its member states (what InitVersion and RecordSuccessor return). */
export function versionView(record: VersionRecord): VersionState {
  const { memberStates: _members, ...version } = record;
  return version;
}

/**
 * The ledger of one DAO channel: typed reads and writes over the keys of the state model, all in
 * the channel's private data collection of its members (`DAO_PRIVATE_COLLECTION`; the blocks the
 * orderers see carry only salted hashes of it: chaincode-common's private.ts).
 */
export class DaoStore {
  readonly #state: PrivateState;
  /** The version record read (or written) by this transaction: read from the ledger once. */
  #version: Promise<VersionRecord | undefined> | undefined;
  /** Whether the ledger holds the version in the earlier layout (one `member~<msp>` key per member). */
  #legacy = false;

  constructor(private readonly ctx: Context) {
    this.#state = new PrivateState(ctx, DAO_PRIVATE_COLLECTION);
  }

  key = (type: string, ...attributes: string[]) => compositeKey(this.ctx, type, attributes);

  /** The version record, or undefined before InitVersion. */
  existingVersion(): Promise<VersionRecord | undefined> {
    this.#version ??= this.#readVersion();
    return this.#version;
  }

  async #readVersion(): Promise<VersionRecord | undefined> {
    return this.#parseVersion(await this.ctx.stub.getPrivateData(DAO_PRIVATE_COLLECTION, VERSION_KEY));
  }

  /**
   * The version record and the allocation `allocationId`, read in one round trip (what revenue and
   * relays need before they allocate).
   */
  async versionAndAllocation(allocationId: string): Promise<[VersionRecord, AllocationRecord | undefined]> {
    const [version, allocation] = await getStates(this.ctx, DAO_PRIVATE_COLLECTION, [VERSION_KEY, this.key('allocation', allocationId)]);
    this.#version ??= this.#parseVersion(version);
    return [await this.version(), openValue<AllocationRecord>(allocation)];
  }

  /** Writes the allocation record and its transaction index in one round trip. */
  putAllocation = (record: AllocationRecord) => {
    const keys = [this.key('allocation', record.allocationId), this.key('allocationTx', record.txId)] as const;
    return putStates(this.ctx, DAO_PRIVATE_COLLECTION, [
      [keys[0], sealValue(this.ctx, keys[0], record)],
      [keys[1], sealValue(this.ctx, keys[1], { allocationId: record.allocationId })],
    ]);
  };

  async #parseVersion(bytes: Uint8Array | undefined): Promise<VersionRecord | undefined> {
    const v = openValue<VersionState & { memberStates?: MemberState[] }>(bytes);
    if (!v || v.memberStates) return v as VersionRecord | undefined;
    // Written before members moved into the version record (transactions/legacy-layout.ts).
    this.#legacy = true;
    return withLegacyMembers<VersionState, MemberState>(this, v);
  }

  async isLegacyLayout(): Promise<boolean> {
    await this.existingVersion();
    return this.#legacy;
  }

  async version(): Promise<VersionRecord> {
    const v = await this.existingVersion();
    if (!v) throw notFound(`no DAO version on channel ${this.ctx.stub.getChannelID()}: ${DAO.tx.InitVersion} first`);
    return v;
  }

  async activeVersion(): Promise<VersionRecord> {
    const v = await this.version();
    if (v.status !== 'active') throw conflict(refused('DAO_DISSOLVED', `DAO ${v.daoId} is dissolved`));
    return v;
  }

  /** Writes the version record; later reads of this transaction see it. */
  async putVersion(v: VersionRecord): Promise<void> {
    const record: VersionRecord = { ...v, memberStates: v.memberStates.map(({ lastHeartbeatMs: _hb, ...m }) => m) };
    this.#version = Promise.resolve(record);
    await this.#state.write(VERSION_KEY, record);
  }

  /** Every member's state, in agreement order. */
  members = async (): Promise<readonly MemberState[]> => (await this.version()).memberStates;
  member = async (mspId: string): Promise<MemberState | undefined> => (await this.version()).memberStates.find((m) => m.mspId === mspId);

  /** Rewrites the version record with this member's new state. */
  async putMember(member: MemberState): Promise<void> {
    const v = await this.version();
    if (!v.memberStates.some((m) => m.mspId === member.mspId)) throw new Error(`member ${member.mspId} is not in the version record`);
    await this.putVersion({ ...v, memberStates: v.memberStates.map((m) => (m.mspId === member.mspId ? member : m)) });
  }

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

  lastHeartbeat = async (mspId: string) => (await this.#state.read<{ lastHeartbeatMs: number }>(this.key('heartbeat', mspId)))?.lastHeartbeatMs;

  workload = (id: string) => this.#state.read<WorkloadState>(this.key('workload', id));
  putWorkload = (w: WorkloadState) => this.#state.write(this.key('workload', w.workloadId), w);

  allocation = (allocationId: string) => this.#state.read<AllocationRecord>(this.key('allocation', allocationId));

  get = <T>(type: string, ...attributes: string[]) => this.#state.read<T>(this.key(type, ...attributes));
  put = (value: unknown, type: string, ...attributes: string[]) => this.#state.write(this.key(type, ...attributes), value);
  list = <T>(type: string, ...attributes: string[]) => this.#state.list<T>(type, attributes);
}
