import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { httpsText, type KafkaCredentials } from '@datawell/config';
import { openReadingsProducer, type Reading } from '@datawell/iot';
import { isAlive, processUser } from '@datawell/stack';
import { signComputationRequest, type EnrolledIdentity } from '../identity/client';
import { ApiError, call, FinalError, negotiateAgreement, tokenAt, until, type Party } from './api';

/** A participant that runs its own trust domain: its own CA issued `identity`; its own bridge answers at `bridgeUrl`. */
export interface DomainMember {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  /** A person's identity enrolled at the organisation's own CA, in its domain (never through the operator). */
  readonly identity: EnrolledIdentity;
  /** The member-mode ledger bridge of the domain. */
  readonly bridgeUrl: string;
}

export interface DomainFormationOptions {
  /** The operator's services. */
  readonly urls: { readonly marketplace: string; readonly negotiation: string };
  /** The founders of version 1, the DSP first. */
  readonly members: readonly DomainMember[];
  /** VSPs that join as version 2 (none: the DAO stays at version 1), or one version each with `joinEach`. */
  readonly joiners?: readonly DomainMember[];
  /**
   * Each joiner joins alone, as the next version (2, 3, …), as the papers grow a DAO level by level
   * (CH_i = D ∪ J_1 … J_i); default: the joiners join together as version 2.
   */
  readonly joinEach?: boolean;
  /** β_1, β_2, … of the versions (ppm); default 0.8, then 0.75, then 0.9 for every later version. */
  readonly betasPpm?: readonly number[];
  readonly progress: (message: string) => void;
  readonly timeoutMs?: number;
  readonly daoId?: string;
  /**
   * Called once version 1 is formed and every founder reads it, and once each later version is (with joiners);
   * the scenario waits for it (a test restarts services there, a bench takes its time).
   */
  readonly onStage?: (stage: 'formed' | 'joined', daoId: string) => Promise<void>;
  /**
   * Called the moment the last party signs a version's agreement (formation or join), with the
   * version and the members who will read it: a bench's clock for formation starts there.
   */
  readonly onAgreed?: (version: number, daoId: string, members: readonly DomainMember[]) => void;
  /** Revenue the DSP records through its own bridge on the top version (minor units). */
  readonly revenue?: bigint;
  /** The terms' abandon-after (seconds; default 600): short for a test of abandonment in domains. */
  readonly abandonAfterSeconds?: number;
  /**
   * Where each member's workload runs: `self-hosted` (the default: the member runs it) or `managed`
   * (its own provisioner builds it in its domain and reports its part of the infrastructure as it; the
   * scenario waits until the chaincode has every part). Managed needs each domain's provisioner, with
   * its URL in `provisionerUrls`.
   */
  readonly placement?: 'self-hosted' | 'managed';
  /** Per member, where its workload runs, over `placement` (e.g. some managed, some self-hosted). */
  readonly placements?: Readonly<Record<string, 'self-hosted' | 'managed'>>;
  /** The member-mode provisioner of each domain, by MSP id (for `placement: 'managed'`). */
  readonly provisionerUrls?: Readonly<Record<string, string>>;
  /**
   * With managed workloads: after formation, the first VSP proposes through its own bridge to replace
   * its workload of version 1 by another (change-infrastructure), the DSP votes yes through its own,
   * and each member's provisioner applies its part of the new revision.
   */
  readonly changeInfrastructure?: boolean;
  /**
   * Every managed founder's workload is an MPC node (not only the DSP's; a self-hosted founder's stays
   * a service): each member's own provisioner runs it in its domain with a TLS identity from the
   * member's own CA, the members' parts on the ledger list every node, and the nodes form their mesh
   * from that list. The scenario waits for each managed member's node to have its mesh (`mesh` in the result).
   */
  readonly mpcMesh?: boolean;
  /**
   * With `mpcMesh` and joiners: version 2 asks every member's MPC node, the joiners' too. Each founder's
   * provisioner gives it the node it runs for version 1 (one node per member per DAO), so version 2's
   * mesh is the founders' nodes and the joiners'; `mesh` and `compute` are version 2's (its terms send
   * the results to the founding VSPs, as version 1's). Without it version 2 asks only the joiners'
   * workloads (placeholders) and the mesh stays version 1's.
   */
  readonly joinersInMesh?: boolean;
  /**
   * With `mpcMesh`: the coordinator's client identity (PEM), with which the scenario calls each node's
   * control API as the coordinator would, pinned to the certificate its member reported, until the node
   * has set up its mesh with every other.
   */
  readonly coordinatorTls?: { readonly cert: string; readonly key: string };
  /**
   * With `mpcMesh` (the DSP and at least one VSP founder managed: the mesh is the managed founders'
   * nodes; self-hosted founders run no node and take no part): after the mesh, the DSP's sensor fleet
   * seals the readings of `dataset.file` (JSON lines, in the DSP's own domain) to the DSP's node's
   * readings key (which the DSP's own provisioner reports) and publishes them to `dataset.topic`, under
   * the DSP's own prefix, with the fleet's own principal (`fleet`: it may only write there); Kafka
   * carries only ciphertext, and only the DSP's node, reading the topic with its member's principal,
   * opens them (as `name`). Then the first VSP asks the operator's coordinator for the terms' `mean`
   * of that dataset, to the terms' recipients: the managed VSP founders (each needs a node to receive
   * it). The nodes registered themselves at the coordinator with their own identities; each checks its
   * own ledger; the recipients' nodes deliver the result to their members' own bridges, which record
   * ComputationCompleted as the member and meter it at the terms' price (MeterComputation: pay-per-use
   * revenue `job:<id>`); the coordinator keeps only the digest. The scenario reads the result where
   * each recipient keeps it (`computation` in the result). With `runs` above 1 the first VSP asks for
   * the same mean again, each a job of its own (`jobs`). Then the first VSP asks for the mean to the
   * DSP, which the terms do not allow: every node refuses it in the agreement round and the DSP's node
   * records the refusal in its member's usage trail. The DSP reads that trail through its own bridge
   * (`usage` in the result).
   */
  readonly compute?: { readonly coordinatorUrl: string; readonly dataset: DomainDataset; readonly fleet: { readonly brokers: readonly string[]; readonly credentials: KafkaCredentials }; readonly runs?: number };
}

/**
 * A dataset of the DSP's sensors: their readings (`file`, JSON lines of `{<column>: value}`, kept in the
 * DSP's own domain), published sealed to `topic`; `planted` is one reading no other can spell, for a
 * no-plaintext scan.
 */
export interface DomainDataset {
  readonly name: string;
  readonly topic: string;
  readonly file: string;
  readonly column: string;
  readonly planted?: string;
}

/** A computation in a DAO of domains, as each side sees it (see `compute`). */
export interface DomainComputation {
  readonly id: string;
  /** The DSP's dataset it ran on: its sensors' readings, sealed on its own topic. */
  readonly dataset: DomainDataset;
  /** How many sealed readings the fleet published to the topic. */
  readonly published: number;
  /** Who asked (the first VSP) and to whom the terms send the result. */
  readonly requester: string;
  readonly recipients: string[];
  /** The coordinator's view of it: status, the result's digest, and what it answers for the result itself. */
  readonly atCoordinator: { readonly status: string; readonly resultDigest?: string; readonly error?: { code: string; message: string }; readonly resultAnswer: { readonly status: number; readonly code: string } };
  /** The nodes the coordinator had registered (by themselves, with their own identities) when it was asked. */
  readonly nodes: Array<{ mspId: string; partyIndex: number; source: string; pinned: boolean }>;
  /** Each recipient's result as its own bridge keeps it (its own domain), with ComputationCompleted's transaction. */
  readonly atRecipients: Record<string, { readonly result: Record<string, unknown>; readonly resultDigest: string; readonly txId: string }>;
  /** What the DSP's own bridge answers for it (the DSP is not a recipient). */
  readonly atDsp: { readonly status: number; readonly code: string };
  /** The request the terms do not allow (the mean to the DSP), as the coordinator reports it once the nodes refused it. */
  readonly refused: { readonly id: string; readonly recipients: string[]; readonly status: string; readonly error?: { code: string; message: string } };
  /** After a join: the same request on version 1, whose members' nodes serve the top version's mesh now, as the coordinator reports it. */
  readonly earlierVersion?: { readonly id: string; readonly version: number; readonly status: string; readonly error?: { code: string; message: string } };
}

/** One entry of the DSP's usage trail of the dataset, as the DSP reads it through its own bridge. */
export interface DomainUsageEntry {
  readonly txId: string;
  readonly usageId: string;
  readonly requester: string;
  readonly computation: string;
  readonly recipients: string[];
  readonly outcome: string;
  readonly check?: string;
  readonly rows?: number;
  readonly resultDigest?: string;
  readonly recordedBy: string;
}

/** A member's MPC node of the top version (one per member per DAO), as its own provisioner shows it once the node has its mesh from the ledger. */
export interface DomainMeshNode {
  readonly mspId: string;
  readonly workloadId: string;
  readonly partyIndex: number;
  readonly parties: number;
  readonly controlUrl: string;
  readonly certificatePem: string;
  readonly caCertificatePem: string;
  /** The OS user of the node process when the mesh was read. */
  readonly osUser: string | null;
  /** With `coordinatorTls`: the node's answer to the coordinator's `GET /inventory` once its mesh was set up. */
  readonly inventory?: { readonly party: number; readonly parties: number; readonly triples: number };
}

export interface DomainFormationResult {
  readonly daoId: string;
  /** Each version's channel and its members as the first of them reads them through its own bridge. */
  readonly versions: Array<{ version: number; channel: string; members: string[] }>;
  /** The top version as each member read it from its own bridge (its own peer, its own identity). */
  readonly readBy: Record<string, { members: string[]; status: string }>;
  /** Each member's entitlement (minor units, summed over the versions it is in) as it reads it through its own bridge. */
  readonly payouts: Record<string, string>;
  /** RecordRevenue's transaction, signed by the DSP in its domain. */
  readonly revenueTxId?: string;
  /** What the DSP's bridge answered another member's identity: its own bridge only. */
  readonly otherMemberAtBridge: { status: number; code: string };
  /**
   * With managed workloads: each version's infrastructure status as the DSP reads it through its own
   * bridge, and the workloads each member's own provisioner runs for it (owner, status), read from that
   * provisioner's API with the member's identity.
   */
  readonly infrastructure?: Array<{ version: number; revision?: number; status: string; builtBy: Record<string, Array<{ workloadId: string; owner: string; status: string }>> }>;
  /** With `mpcMesh`: each managed member's node of the top version with its mesh, in party order (one node per member per DAO: the founders' nodes of version 1 serve version 2 after a join; after `changeInfrastructure` of version 1 without a join, the new revision's). */
  readonly mesh?: DomainMeshNode[];
  /** With `compute`: the computation on the top version, as the coordinator, the recipients and the DSP see it. */
  readonly computation?: DomainComputation;
  /** With `compute`: the DSP's usage trail of the dataset (the granted requests and the refused one), read through its own bridge, oldest first. */
  readonly usage?: DomainUsageEntry[];
  /** With `compute`: every granted request the first VSP made (the first is `computation`), in order, each metered at the terms' price once completed. */
  readonly jobs?: DomainJob[];
}

/** A granted computation of the scenario: the coordinator's status and digest, and ComputationCompleted as each recipient's own bridge recorded it. */
export interface DomainJob {
  readonly id: string;
  readonly status: string;
  readonly resultDigest?: string;
  readonly atRecipients: DomainComputation['atRecipients'];
}

/** What a computation costs in the scenario's DAOs with `compute` (pay-per-use, metered on the ledger). */
export const DOMAIN_COMPUTATION_PRICE = { currency: 'EUR', perComputation: '2500' } as const;

const terms = (recipients: string[], abandonAfterSeconds = 600, priced = false) => ({
  durationDays: 365,
  businessModel: 'pay-per-use',
  heartbeatIntervalSeconds: Math.min(30, abandonAfterSeconds),
  abandonAfterSeconds,
  exitNoticeSeconds: 0,
  computations: [{ name: 'mean', resultRecipients: recipients }],
  ...(priced ? { price: DOMAIN_COMPUTATION_PRICE } : {}),
});
/** Each member's own workload: run by the member, or built by its own provisioner in its domain. */
const ownWorkload =
  (placement: 'self-hosted' | 'managed', mpcMesh = false, datasets?: Record<string, { topic: string }>) =>
  (p: Party) => ({
    name: `${p.mspId.toLowerCase()}-node`,
    owner: p.mspId,
    placement,
    // With a mesh, every managed member runs a node; a self-hosted member's workload is its own service.
    kind: p.role === 'DSP' || (mpcMesh && placement === 'managed') ? 'mpc-node' : 'service',
    // The DSP's node reads its own dataset: its sensors' sealed readings on its own topic.
    ...(p.role === 'DSP' && datasets ? { parameters: { datasets } } : {}),
  });

type VersionState = { status: string; memberStates?: Array<{ mspId: string }>; members?: Array<{ mspId: string }> };

/**
 * A DAO of participants in their own trust domains, through the running services: each registers at
 * the marketplace without an identity (its own CA issues them) and the operator's bridge admits it
 * from its MSP package; the parties negotiate and sign with identities of their own CAs; the
 * operator's bridge forms each version's channel from their packages; each member's own bridge joins
 * its peer and approves, the DSP's commits and initialises the version (and, for version 2, records
 * the successor on version 1); each member reads the versions through its own bridge. With `revenue`,
 * the DSP records it on the top version through its own bridge; the DSP's bridge relays the rest
 * down; each member reads its entitlement through its own bridge. The operator's services hold no
 * key of theirs, sign none of these transactions and read none of this.
 */
export async function runDomainFormation(opts: DomainFormationOptions): Promise<DomainFormationResult> {
  const timeout = opts.timeoutMs ?? 600_000;
  const { urls, progress } = opts;
  const joiners = opts.joiners ?? [];
  const [dspMember, ...vspMembers] = opts.members;
  if (!dspMember || dspMember.role !== 'DSP' || vspMembers.length === 0 || [...vspMembers, ...joiners].some((m) => m.role !== 'VSP')) {
    throw new Error('a DAO in domains needs a DSP first, at least one VSP, and only VSPs joining');
  }
  const all = [...opts.members, ...joiners];
  const placement = opts.placement ?? 'self-hosted';
  const placementOf = (mspId: string) => opts.placements?.[mspId] ?? placement;
  const anyManaged = all.some((m) => placementOf(m.mspId) === 'managed');
  const missing = anyManaged ? all.filter((m) => !opts.provisionerUrls?.[m.mspId]) : [];
  if (missing.length > 0) throw new Error(`managed workloads need each domain's provisioner: none given for ${missing.map((m) => m.mspId).join(', ')}`);
  for (const m of all) await registerDomainParticipant(urls.marketplace, m, progress, timeout);
  const party = new Map<string, Party>(all.map((m) => [m.mspId, { mspId: m.mspId, role: m.role, identity: m.identity, tokens: new Map() }]));
  const p = (m: DomainMember) => party.get(m.mspId) as Party;
  const founders = opts.members.map(p);
  const dsp = p(dspMember);
  const daoId = opts.daoId ?? `dm${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const as = async (who: Party, service: 'negotiation') => tokenAt(who, urls[service], timeout);
  const negotiation = { urls, progress, timeoutMs: timeout, as };
  const agreed = (version: number, members: readonly DomainMember[]) => ({ ...negotiation, ...(opts.onAgreed ? { onAgreed: () => opts.onAgreed?.(version, daoId, members) } : {}) });
  const betaOf = (version: number) => opts.betasPpm?.[version - 1] ?? [800_000, 750_000][version - 1] ?? 900_000;
  // The mesh of a computation is the managed founders' nodes: the DSP's (it reads its dataset) and at least one VSP's (a recipient).
  const managedVsps = vspMembers.filter((m) => placementOf(m.mspId) === 'managed');
  if (opts.compute && (!opts.mpcMesh || placementOf(dspMember.mspId) !== 'managed' || managedVsps.length === 0)) throw new Error('compute needs mpcMesh with the DSP and at least one VSP founder managed');
  const datasets = opts.compute ? { [opts.compute.dataset.name]: { topic: opts.compute.dataset.topic } } : undefined;
  // The terms send the mean to the VSP founders; with a computation, to those whose node can receive it.
  const recipientsV1 = (opts.compute ? managedVsps : vspMembers).map((m) => m.mspId);
  const joinersInMesh = opts.mpcMesh === true && opts.joinersInMesh === true && joiners.length > 0;

  const stage = async (name: 'formed' | 'joined') => {
    if (!opts.onStage) return;
    await opts.onStage(name, daoId);
    // A restarted service issues tokens with a new key: log in again.
    for (const x of party.values()) x.tokens.clear();
  };

  const v1 = { betaPpm: betaOf(1), members: founders.map((f) => ({ mspId: f.mspId })), terms: terms(recipientsV1, opts.abandonAfterSeconds, opts.compute !== undefined), infrastructure: { workloads: founders.map((f) => ownWorkload(placementOf(f.mspId), opts.mpcMesh, datasets)(f)) } };
  await negotiateAgreement(agreed(1, opts.members), 'formation in domains', dsp, { kind: 'formation', daoId, parties: founders.slice(1).map((f) => f.mspId) }, [{ by: dsp, body: v1 }], founders);
  const versions = [{ version: 1, members: opts.members }];
  await readVersion(opts, daoId, 1, opts.members, p, timeout);
  await stage('formed');

  // The join rounds: every joiner together as version 2, or each alone as the next version.
  const rounds = joiners.length === 0 ? [] : opts.joinEach ? joiners.map((j) => [j]) : [joiners];
  let members: readonly DomainMember[] = opts.members;
  for (const round of rounds) {
    const version = versions.length + 1;
    const newcomers = round.map(p);
    const earlier = members.map(p);
    const everyone = [...earlier, ...newcomers];
    // Joiners in the mesh: every member's node is in the version's spec, the earlier members' exactly as the
    // version before lists them (their nodes serve the new version: one node per member per DAO) with the
    // newcomers' own, and the computations' recipients stay the founding VSPs.
    const workloads = joinersInMesh ? everyone.map((m) => ownWorkload(placementOf(m.mspId), true, datasets)(m)) : newcomers.map((n) => ownWorkload(placementOf(n.mspId))(n));
    const recipients = (joinersInMesh ? founders : everyone).slice(1).map((m) => m.mspId);
    const next = { betaPpm: betaOf(version), members: everyone.map((m) => ({ mspId: m.mspId })), terms: terms(recipients, opts.abandonAfterSeconds, opts.compute !== undefined), infrastructure: { workloads } };
    const [opener] = newcomers as [Party];
    await negotiateAgreement(agreed(version, [...members, ...round]), `join in domains (version ${version})`, opener, { kind: 'join', daoId, joiners: newcomers.slice(1).map((n) => n.mspId) }, [{ by: opener, body: next }], [...newcomers, ...earlier.slice(1), dsp]);
    members = [...members, ...round];
    versions.push({ version, members });
    await readVersion(opts, daoId, version, members, p, timeout);
    await stage('joined');
  }
  const top = versions.length;
  const readBy: Record<string, { members: string[]; status: string }> = {};
  for (const m of all) {
    const state = await call<VersionState>(`${m.bridgeUrl}/daos/${daoId}/versions/${top}/state`, { token: await tokenAt(p(m), m.bridgeUrl, timeout) });
    readBy[m.mspId] = { status: state.status, members: memberIds(state) };
  }

  const infrastructure = anyManaged ? await readInfrastructure(opts, daoId, versions, p, timeout) : undefined;
  // The mesh: version 1's, or with joiners in it version 2's, which the founders' nodes started for version 1 serve.
  const meshVersion = joinersInMesh ? top : 1;
  const meshMembers = versions[meshVersion - 1]!.members.filter((m) => placementOf(m.mspId) === 'managed');
  const mesh = opts.mpcMesh && anyManaged ? await readMesh(opts, daoId, meshVersion, meshMembers, p, timeout) : undefined;
  if (infrastructure && opts.changeInfrastructure) {
    const [vsp] = vspMembers as [DomainMember];
    // Every founder keeps its workload; only the first VSP's is replaced.
    const spec = { workloads: founders.map((f) => (f.mspId === vsp.mspId ? { ...ownWorkload('managed', opts.mpcMesh, datasets)(f), name: `${vsp.mspId.toLowerCase()}-node2` } : ownWorkload(placementOf(f.mspId), opts.mpcMesh, datasets)(f))) };
    progress(`${vsp.mspId} proposes through its own bridge to replace its workload of version 1 (change-infrastructure); ${dspMember.mspId} votes yes through its own`);
    const proposal = { proposalId: `infra-${daoId}`, kind: 'change-infrastructure', payload: spec };
    await call(`${vsp.bridgeUrl}/daos/${daoId}/versions/1/proposals`, { method: 'POST', token: await tokenAt(p(vsp), vsp.bridgeUrl, timeout), body: proposal });
    await call(`${dspMember.bridgeUrl}/daos/${daoId}/versions/1/proposals/${proposal.proposalId}/votes`, { method: 'POST', token: await tokenAt(dsp, dspMember.bridgeUrl, timeout), body: { choice: 'yes' } });
    infrastructure.push(...(await readInfrastructure(opts, daoId, [{ version: 1, members: opts.members }], p, timeout, 2)));
    // With a mesh: the revision's nodes (the VSP's new one) form it again from the revision's parts; after a
    // join version 1 has no node of its own (version 2 runs them) and the top version's mesh is left as it was.
    if (mesh) mesh.splice(0, mesh.length, ...(await readMesh(opts, daoId, meshVersion, meshMembers, p, timeout)));
  }

  const computation = opts.compute && mesh ? await computeInDomains(opts, opts.compute, daoId, meshVersion, dspMember, vspMembers[0] as DomainMember, managedVsps, mesh, p, timeout) : undefined;

  let revenueTxId: string | undefined;
  if (opts.revenue !== undefined) {
    progress(`${dspMember.mspId} records revenue ${opts.revenue} on version ${top} through its own bridge (RecordRevenue signed in its domain)`);
    const recorded = await call<{ txId: string }>(`${dspMember.bridgeUrl}/daos/${daoId}/revenue`, { method: 'POST', token: await tokenAt(dsp, dspMember.bridgeUrl, timeout), body: { amount: opts.revenue.toString(), kind: 'use', revenueId: `rev-${daoId}` } });
    revenueTxId = recorded.txId;
  }
  // Every completed computation is revenue at its version's price too (metered by its recipient's bridge).
  const metered = BigInt(DOMAIN_COMPUTATION_PRICE.perComputation) * BigInt((computation?.jobs ?? []).filter((j) => j.status === 'completed').length);
  const payouts = await readPayouts(daoId, versions, p, timeout, opts.revenue === undefined && metered === 0n ? undefined : (opts.revenue ?? 0n) + metered);
  const other = p(all[1] as DomainMember);
  const otherMemberAtBridge = await answerOf(call(`${dspMember.bridgeUrl}/daos/${daoId}/versions/1/state`, { token: await tokenAt(other, dspMember.bridgeUrl, timeout) }));
  return {
    daoId,
    versions: versions.map((v) => ({ version: v.version, channel: `dao-${daoId}-v${v.version}`, members: v.members.map((m) => m.mspId) })),
    readBy,
    payouts,
    ...(revenueTxId ? { revenueTxId } : {}),
    otherMemberAtBridge,
    ...(infrastructure ? { infrastructure } : {}),
    ...(mesh ? { mesh } : {}),
    ...(computation ? { computation: computation.computation, usage: computation.usage, jobs: computation.jobs } : {}),
  };
}

/** What a service answered a call: 200 OK, or the refusal's status and stable code (0 and the error when there was no answer). */
function answerOf(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  return promise.then(
    () => ({ status: 200, code: 'OK' }),
    (e: unknown) => (e instanceof ApiError ? { status: e.status, code: e.code } : { status: 0, code: String(e) }),
  );
}

/**
 * The first VSP asks the coordinator for the terms' mean of the DSP's dataset on `version` (the top
 * one) to the terms' recipients (the managed VSPs: their nodes receive it), once every node of the
 * mesh has registered itself there; waits until the coordinator reports it done; then reads the
 * result where each recipient keeps it, its own bridge, and what the coordinator and the DSP's bridge
 * answer for it. With `runs` above 1 it asks again (a request of its own each time), each read the same way.
 */
async function computeInDomains(
  opts: DomainFormationOptions,
  compute: NonNullable<DomainFormationOptions['compute']>,
  daoId: string,
  version: number,
  dspMember: DomainMember,
  requester: DomainMember,
  receivers: readonly DomainMember[],
  mesh: readonly DomainMeshNode[],
  p: (m: DomainMember) => Party,
  timeoutMs: number,
): Promise<{ computation: DomainComputation; usage: DomainUsageEntry[]; jobs: DomainJob[] }> {
  const coordinator = compute.coordinatorUrl;
  const token = await tokenAt(p(requester), coordinator, timeoutMs);
  type NodeView = { mspId: string; partyIndex: number; controlUrl: string; source: string; pin?: unknown };
  // The nodes of the mesh read last: a node its member's provisioner replaced (a change of
  // infrastructure) stays registered until its successor registers itself, and an op sent to it
  // would leave the other nodes waiting in the agreement round.
  const current = new Set(mesh.map((n) => n.controlUrl));
  opts.progress(`every node of version ${version} registers itself at the coordinator with its own identity (${mesh.length} nodes)`);
  const nodes = await until(
    `every node of ${daoId} v${version} registered at the coordinator`,
    async () => {
      const listed = await call<NodeView[]>(`${coordinator}/daos/${daoId}/versions/${version}/nodes`, { token }).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return [];
        throw e;
      });
      return listed.length === mesh.length && listed.every((n) => current.has(n.controlUrl)) ? listed : undefined;
    },
    timeoutMs,
    2000,
  );
  const published = await publishFleetReadings(opts, compute, daoId, version, dspMember, p, timeoutMs);
  const recipients = receivers.map((v) => v.mspId);
  const request = { daoId, version, computation: 'mean', parameters: { columns: [compute.dataset.column] }, dataset: { name: compute.dataset.name, owner: dspMember.mspId }, recipients, requestId: `mean-${daoId}` };
  type View = { status: string; resultDigest?: string; error?: { code: string; message: string } };
  const finished = (jobId: string) =>
    until(
      `computation ${jobId} done`,
      async () => {
        const view = await call<View>(`${coordinator}/computations/${jobId}`, { token });
        return view.status === 'completed' || view.status === 'failed' ? view : undefined;
      },
      timeoutMs,
      2000,
    );
  // One granted request: signed in the requester's own domain with its enrolled identity (each node
  // verifies it against its own ledger's view of the requester's CA), then read where each recipient keeps it.
  const ask = async (requestId: string): Promise<{ id: string; done: View; atRecipients: DomainComputation['atRecipients'] }> => {
    opts.progress(`${requester.mspId} asks the coordinator for the mean of ${dspMember.mspId}'s ${compute.dataset.name} to ${recipients.join(', ')} (${requestId}); each node checks its own ledger`);
    const { id } = await call<{ id: string }>(`${coordinator}/computations`, { method: 'POST', token, body: signComputationRequest(requester.identity, { ...request, requestId }) });
    const done = await finished(id);
    const atRecipients: DomainComputation['atRecipients'] = {};
    if (done.status === 'completed') {
      for (const r of receivers) {
        const kept = await call<{ result: Record<string, unknown>; resultDigest: string; txId: string }>(`${r.bridgeUrl}/daos/${daoId}/versions/${version}/computations/${id}/result`, { token: await tokenAt(p(r), r.bridgeUrl, timeoutMs) });
        atRecipients[r.mspId] = { result: kept.result, resultDigest: kept.resultDigest, txId: kept.txId };
      }
    }
    return { id, done, atRecipients };
  };
  const first = await ask(request.requestId);
  const { id, done, atRecipients } = first;
  const resultAnswer = await answerOf(call(`${coordinator}/computations/${id}/result`, { token }));
  const dspToken = await tokenAt(p(dspMember), dspMember.bridgeUrl, timeoutMs);
  const atDsp = await answerOf(call(`${dspMember.bridgeUrl}/daos/${daoId}/versions/${version}/computations/${id}/result`, { token: dspToken }));
  const asked = [first];
  for (let k = 2; k <= (compute.runs ?? 1); k++) asked.push(await ask(`${request.requestId}-${k}`));
  const jobs: DomainJob[] = asked.map((j) => ({ id: j.id, status: j.done.status, ...(j.done.resultDigest ? { resultDigest: j.done.resultDigest } : {}), atRecipients: j.atRecipients }));

  // What the terms do not allow: the mean to the DSP. The coordinator cannot read the private terms and
  // schedules it; every node refuses it from its own ledger, and the DSP's node records the refusal.
  opts.progress(`${requester.mspId} asks for the mean to go to ${dspMember.mspId}, which the terms do not allow: the nodes refuse it, the DSP's node records it in its usage trail`);
  const refusedRecipients = [dspMember.mspId];
  const { id: refusedId } = await call<{ id: string }>(`${coordinator}/computations`, { method: 'POST', token, body: signComputationRequest(requester.identity, { ...request, recipients: refusedRecipients, requestId: `mean-to-dsp-${daoId}` }) });
  const refusedView = await finished(refusedId);

  // After a join the earlier version has no mesh of its own (its members' nodes serve the top version):
  // the same request on version 1 fails at the coordinator, no node asked.
  let earlier: DomainComputation['earlierVersion'];
  if (version > 1) {
    opts.progress(`${requester.mspId} asks for the mean on version 1, whose members' nodes serve version ${version} now: the coordinator refuses it`);
    const { id: earlierId } = await call<{ id: string }>(`${coordinator}/computations`, { method: 'POST', token, body: signComputationRequest(requester.identity, { ...request, version: 1, requestId: `mean-v1-${daoId}` }) });
    const earlierView = await finished(earlierId);
    earlier = { id: earlierId, version: 1, status: earlierView.status, ...(earlierView.error ? { error: earlierView.error } : {}) };
  }

  opts.progress(`${dspMember.mspId} reads its usage trail of ${compute.dataset.name} through its own bridge`);
  const usageIds = [...jobs.map((j) => j.id), refusedId];
  type Trail = { entries: Array<{ usageId: string; txId: string; requester: { mspId: string }; computation: string; recipients: string[]; outcome: string; check?: string; rows?: number; resultDigest?: string; recordedBy: string }> };
  const trail = await until(
    `the granted and the refused requests in ${dspMember.mspId}'s usage trail`,
    async () => {
      const read = await call<Trail>(`${dspMember.bridgeUrl}/datasets/${encodeURIComponent(compute.dataset.name)}/usage?daoId=${daoId}`, { token: dspToken });
      return usageIds.every((u) => read.entries.some((e) => e.usageId === u)) ? read : undefined;
    },
    timeoutMs,
    2000,
  );
  const usage = trail.entries
    .filter((e) => usageIds.includes(e.usageId))
    .map((e) => ({
      txId: e.txId,
      usageId: e.usageId,
      requester: e.requester.mspId,
      computation: e.computation,
      recipients: e.recipients,
      outcome: e.outcome,
      ...(e.check !== undefined ? { check: e.check } : {}),
      ...(e.rows !== undefined ? { rows: e.rows } : {}),
      ...(e.resultDigest !== undefined ? { resultDigest: e.resultDigest } : {}),
      recordedBy: e.recordedBy,
    }));
  const computation: DomainComputation = {
    id,
    dataset: compute.dataset,
    published,
    requester: requester.mspId,
    recipients,
    atCoordinator: { status: done.status, ...(done.resultDigest ? { resultDigest: done.resultDigest } : {}), ...(done.error ? { error: done.error } : {}), resultAnswer },
    nodes: nodes.map((n) => ({ mspId: n.mspId, partyIndex: n.partyIndex, source: n.source, pinned: n.pin !== undefined && n.pin !== null })),
    atRecipients,
    atDsp,
    refused: { id: refusedId, recipients: refusedRecipients, status: refusedView.status, ...(refusedView.error ? { error: refusedView.error } : {}) },
    ...(earlier ? { earlierVersion: earlier } : {}),
  };
  return { computation, usage, jobs };
}

/**
 * The DSP's sensor fleet publishes the dataset's readings: each sealed to the DSP's node's readings key,
 * as the DSP's own provisioner reports it, for this dataset (owner, name, topic), with the fleet's own
 * principal. Resolves how many it published.
 */
async function publishFleetReadings(
  opts: DomainFormationOptions,
  compute: NonNullable<DomainFormationOptions['compute']>,
  daoId: string,
  version: number,
  dspMember: DomainMember,
  p: (m: DomainMember) => Party,
  timeoutMs: number,
): Promise<number> {
  const { dataset, fleet } = compute;
  const url = opts.provisionerUrls?.[dspMember.mspId] as string;
  const token = await tokenAt(p(dspMember), url, timeoutMs);
  type View = { workloads: Array<{ owner: string; kind: string; status: string; readingsPublicKeyPem?: string | null }> };
  const key = await until(
    `${dspMember.mspId}'s node's readings key from its own provisioner`,
    async () => {
      const view = await call<View>(`${url}/daos/${daoId}/versions/${version}/infrastructure`, { token });
      return view.workloads.find((w) => w.kind === 'mpc-node' && w.owner === dspMember.mspId && w.status !== 'destroyed')?.readingsPublicKeyPem ?? undefined;
    },
    timeoutMs,
    1000,
  );
  const readings = readFileSync(dataset.file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Reading);
  opts.progress(`${dspMember.mspId}'s sensors seal ${readings.length} readings to its node's key and publish them to ${dataset.topic} as the fleet's principal`);
  const producer = await openReadingsProducer({
    kafka: { clientId: `datawell-fleet-${dspMember.mspId}`, brokers: [...fleet.brokers], sasl: fleet.credentials },
    recipientPublicKey: key,
    context: { owner: dspMember.mspId, dataset: dataset.name, topic: dataset.topic },
  });
  try {
    await producer.publish(readings);
  } finally {
    await producer.close();
  }
  return readings.length;
}

/**
 * Each managed member asks its own provisioner for its MPC node of `version` until the node has its
 * mesh: the ledger listed every member's node (the last part's InfrastructureProvisioned) and the
 * provisioner wrote the node's mesh file from it.
 */
async function readMesh(opts: DomainFormationOptions, daoId: string, version: number, members: readonly DomainMember[], p: (m: DomainMember) => Party, timeoutMs: number): Promise<DomainMeshNode[]> {
  type View = { workloads: Array<{ workloadId: string; owner: string; kind: string; status: string; workloadPid: number | null; mpc?: { controlUrl: string; certificatePem: string; caCertificatePem: string; mesh: { partyIndex: number; parties: number } | null } | null }> };
  const nodes: DomainMeshNode[] = [];
  for (const m of members) {
    const url = opts.provisionerUrls?.[m.mspId] as string;
    opts.progress(`${m.mspId}'s node waits for its mesh: every member's node as the ledger lists them`);
    const token = await tokenAt(p(m), url, timeoutMs);
    nodes.push(
      await until(
        `${m.mspId}'s MPC node of ${daoId} v${version} with its mesh`,
        async () => {
          const view = await call<View>(`${url}/daos/${daoId}/versions/${version}/infrastructure`, { token });
          const node = view.workloads.find((w) => w.kind === 'mpc-node' && w.owner === m.mspId && w.status !== 'destroyed');
          // Its mesh of this version (a node taken over keeps the earlier version's file until the new one is written).
          if (!node?.mpc?.mesh || node.mpc.mesh.parties !== members.length) return undefined;
          const { controlUrl, certificatePem, caCertificatePem, mesh } = node.mpc;
          const osUser = node.workloadPid !== null && isAlive(node.workloadPid) ? (processUser(node.workloadPid) ?? null) : null;
          return { mspId: m.mspId, workloadId: node.workloadId, partyIndex: mesh.partyIndex, parties: mesh.parties, controlUrl, certificatePem, caCertificatePem, osUser };
        },
        timeoutMs,
        1000,
      ),
    );
  }
  const tls = opts.coordinatorTls;
  if (!tls) return nodes.sort((a, b) => a.partyIndex - b.partyIndex);
  opts.progress('the coordinator reaches every node, each pinned to the certificate its member reported, once the mesh is set up');
  const reached: DomainMeshNode[] = [];
  for (const n of nodes) {
    const inventory = await until(`${n.mspId}'s node set up with its mesh, as the coordinator reads it`, async () => pinnedInventory(n, tls).then((i) => (i.parties === n.parties ? i : undefined)).catch(() => undefined), timeoutMs, 2000);
    reached.push({ ...n, inventory: { party: inventory.party, parties: inventory.parties, triples: inventory.triples } });
  }
  return reached.sort((a, b) => a.partyIndex - b.partyIndex);
}

/**
 * A call to an MPC node's control API as the coordinator would make it: the coordinator's client
 * certificate, the node pinned to the certificate its member reported (chaining to the member's CA).
 * Resolves the status and the JSON answer; rejects only when the node cannot be reached or is not the pinned one.
 */
export async function callNodeAsCoordinator(
  node: Pick<DomainMeshNode, 'controlUrl' | 'certificatePem' | 'caCertificatePem'>,
  tls: { readonly cert: string; readonly key: string },
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const expected = new X509Certificate(node.certificatePem).raw;
  const answer = await httpsText(
    `${node.controlUrl}${path}`,
    {
      method,
      cert: tls.cert,
      key: tls.key,
      ca: node.caCertificatePem,
      minVersion: 'TLSv1.3',
      checkServerIdentity: (_host, cert) => (cert.raw.equals(expected) ? undefined : new Error('not the certificate its member reported')),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' } }),
    },
    body === undefined ? undefined : JSON.stringify(body),
    60_000,
    `${path}: no answer`,
  );
  try {
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  } catch {
    return { status: answer.status, body: { text: answer.body.slice(0, 200) } };
  }
}

/** `GET /inventory` as the coordinator: the node's answer once it has set up its mesh (else rejects). */
async function pinnedInventory(n: DomainMeshNode, tls: { cert: string; key: string }): Promise<{ party: number; parties: number; triples: number }> {
  const answer = await callNodeAsCoordinator(n, tls, 'GET', '/inventory');
  if (answer.status !== 200) throw new Error(`inventory: ${answer.status} ${String(answer.body['code'] ?? '')}`);
  return answer.body as unknown as { party: number; parties: number; triples: number };
}

/**
 * Managed workloads: each member's own provisioner builds its part and reports it as the member; the
 * DSP reads through its own bridge until the chaincode has every part (status `provisioned`), then
 * each member asks its own provisioner what it runs for the version.
 */
async function readInfrastructure(
  opts: DomainFormationOptions,
  daoId: string,
  versions: ReadonlyArray<{ version: number; members: readonly DomainMember[] }>,
  p: (m: DomainMember) => Party,
  timeoutMs: number,
  revision = 1,
): Promise<NonNullable<DomainFormationResult['infrastructure']>> {
  const [dspMember] = opts.members as [DomainMember];
  const token = await tokenAt(p(dspMember), dspMember.bridgeUrl, timeoutMs);
  const out: NonNullable<DomainFormationResult['infrastructure']> = [];
  // Every version's status first: a later version takes over the members' MPC nodes of an earlier one
  // (one node per member per DAO), so the earlier one's views are read once the later one is built.
  const statuses: string[] = [];
  for (const v of versions) {
    opts.progress(`each member's own provisioner builds its part of version ${v.version}; ${dspMember.mspId} waits for the chaincode to have every part`);
    statuses.push(await until(
      `infrastructure of ${daoId} v${v.version} provisioned in parts`,
      async () => {
        const state = await call<{ infrastructureStatus?: string; infrastructureRevision?: number }>(`${dspMember.bridgeUrl}/daos/${daoId}/versions/${v.version}/state`, { token });
        if ((state.infrastructureRevision ?? 1) < revision) return undefined;
        if (state.infrastructureStatus === 'failed') throw new FinalError(`the infrastructure of ${daoId} v${v.version} failed; see the members' provisioner logs`);
        return state.infrastructureStatus === 'provisioned' ? state.infrastructureStatus : undefined;
      },
      timeoutMs,
      2000,
    ));
  }
  for (const [i, v] of versions.entries()) {
    const status = statuses[i]!;
    // Each member's own view, once its provisioner has applied the revision (its part, or taken down what left).
    const builtBy: Record<string, Array<{ workloadId: string; owner: string; status: string }>> = {};
    // Members whose workload is self-hosted have nothing built by their provisioner.
    for (const m of v.members.filter((x) => (opts.placements?.[x.mspId] ?? opts.placement) === 'managed')) {
      const url = opts.provisionerUrls?.[m.mspId] as string;
      const token = await tokenAt(p(m), url, timeoutMs);
      builtBy[m.mspId] = await until(
        `${m.mspId}'s provisioner at revision ${revision} of ${daoId} v${v.version}`,
        async () => {
          const view = await call<{ status: string; revision: number; workloads: Array<{ workloadId: string; owner: string; status: string }> }>(`${url}/daos/${daoId}/versions/${v.version}/infrastructure`, { token });
          if (view.workloads.length > 0 && (view.revision < revision || view.status !== 'provisioned')) return undefined;
          return view.workloads.filter((w) => w.status !== 'destroyed').map(({ workloadId, owner, status: s }) => ({ workloadId, owner, status: s }));
        },
        timeoutMs,
        1000,
      );
    }
    out.push({ version: v.version, ...(revision > 1 ? { revision } : {}), status, builtBy });
  }
  return out;
}

function memberIds(state: VersionState): string[] {
  return (state.memberStates ?? state.members ?? []).map((s) => s.mspId);
}

/** Each member of the version reads it through its own bridge, once its peer has joined and the DSP has initialised it. */
async function readVersion(opts: DomainFormationOptions, daoId: string, version: number, members: readonly DomainMember[], p: (m: DomainMember) => Party, timeoutMs: number): Promise<void> {
  for (const m of members) {
    opts.progress(`${m.mspId} reads version ${version} through its own bridge ${m.bridgeUrl}`);
    const token = await tokenAt(p(m), m.bridgeUrl, timeoutMs);
    await until(
      `version ${version} of ${daoId} at ${m.mspId}'s own bridge`,
      async () => {
        try {
          return await call<VersionState>(`${m.bridgeUrl}/daos/${daoId}/versions/${version}/state`, { token });
        } catch (error) {
          // Not yet: its peer has not joined, or the DSP has not initialised the version.
          if (error instanceof ApiError && error.code === 'VERSION_NOT_FOUND') return undefined;
          throw error;
        }
      },
      timeoutMs,
      2000,
    );
  }
}

/**
 * Every member's entitlement summed over the versions it is in, each read through its own bridge,
 * once the amounts of all members add up to `total` (the revenue recorded and metered, the rest
 * relayed down to version 1); at once without one.
 */
export async function readPayouts(
  daoId: string,
  versions: ReadonlyArray<{ version: number; members: readonly DomainMember[] }>,
  p: (m: DomainMember) => Party,
  timeoutMs: number,
  total: bigint | undefined,
): Promise<Record<string, string>> {
  const everyone = versions.at(-1)?.members ?? [];
  return until(
    'the revenue split down to version 1, as each member reads it',
    async () => {
      const payouts: Record<string, bigint> = {};
      for (const m of everyone) {
        const token = await tokenAt(p(m), m.bridgeUrl, timeoutMs);
        let own = 0n;
        for (const v of versions.filter((x) => x.members.some((y) => y.mspId === m.mspId))) {
          const entitlements = await call<Array<{ mspId: string; amount: string }>>(`${m.bridgeUrl}/daos/${daoId}/versions/${v.version}/entitlements`, { token });
          own += BigInt(entitlements.find((e) => e.mspId === m.mspId)?.amount ?? '0');
        }
        payouts[m.mspId] = own;
      }
      const sum = Object.values(payouts).reduce((a, b) => a + b, 0n);
      if (total !== undefined && sum !== total) return undefined;
      return Object.fromEntries(Object.entries(payouts).map(([k, v]) => [k, v.toString()]));
    },
    timeoutMs,
    1000,
  );
}

/** Registration without an identity (the organisation's own CA issues them), then the ledger's word that it is active. */
/**
 * Registers an organisation of its own domain at the operator's marketplace (no identity: the
 * operator admits it from its MSP package), or finds it registered, and waits until the ledger has
 * it active; a failed registration is final.
 */
export async function registerDomainParticipant(marketplace: string, m: { readonly mspId: string; readonly role: 'DSP' | 'VSP' }, progress: (message: string) => void, timeoutMs: number): Promise<void> {
  const base = marketplace;
  try {
    await call(`${base}/participants`, { method: 'POST', body: { mspId: m.mspId, role: m.role, name: `Domain ${m.role} ${m.mspId}` } });
    progress(`${m.mspId}: registered with its own CA; the operator admits it from its MSP package`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) throw error;
    progress(`${m.mspId}: registered before`);
  }
  await until(
    `${m.mspId} active on the ledger`,
    async () => {
      const view = await call<{ status: string; failure?: { code: string; message: string } }>(`${base}/participants/${m.mspId}`);
      if (view.status === 'failed') throw new FinalError(`${m.mspId}'s registration failed: ${view.failure?.code} ${view.failure?.message}`);
      return view.status === 'active' ? true : undefined;
    },
    timeoutMs,
    2000,
  );
}
