import { randomUUID } from 'node:crypto';
import type { MpcCoordinatorSettings } from '../config';
import { resultDigest, type UsageCheck } from '@datawell/contracts';
import { canonicalJson } from '@datawell/domain';
import type { ConnectionLogger } from '@datawell/messaging';
import type { CatalogueProgram } from '@datawell/mpc';
import type { ComputeOutcome, NodeInventory } from '@datawell/mpc';
import { type ComputationRequest, authorizePublicRequest, computationId, memberOf, nodeRegistrationProblem, nodeRegistrationRequestSchema, parseComputationRequest, type DaoVersionView } from './authorization';
import { CoordinatorError, forbidden, invalid, tooManyRefusals } from './computations.errors';
import type { ComputationRecord, CoordinatorRepository, NodeRecord } from './computations.repository';
import type { RunningJob } from './job-queue.adapter';
import { checkedSignature } from './signed-request';
import { nodeCertificatePin } from './node-certificate';
import { NodeCallError, type NodeClient } from './node-client.adapter';
import type { RefusalLimit } from './refusal-limit';

export interface ComputationJobs {
  addComputation(id: string): Promise<void>;
}

export interface ComputationsDeps {
  readonly repository: CoordinatorRepository;
  readonly jobs: ComputationJobs;
  readonly nodes: NodeClient;
  readonly settings: MpcCoordinatorSettings;
  readonly logger: ConnectionLogger;
  /** The limit on refused requests per requester (MPC_COORDINATOR_REFUSALS_*). */
  readonly refusals: RefusalLimit;
  /** The identity directory (ParticipantRegistered): a participant's role and its CA. */
  readonly directory: ParticipantDirectory;
  /** The clock a request's signature is judged by (default Date.now). */
  readonly now?: () => number;
}

/** What the coordinator reads of the identity directory (libs/auth IdentityDirectory). */
export interface ParticipantDirectory {
  get(mspId: string): Promise<{ readonly role: string; readonly caCertPem: string } | undefined>;
}

/** A computation as a member sees it: everything but the requester's identity and signature, which go to the nodes. */
export type ComputationView = Omit<ComputationRecord, 'requesterEnrollmentId' | 'request'>;

function view(c: ComputationRecord): ComputationView {
  const { requesterEnrollmentId: _enrollment, request: _request, ...rest } = c;
  return rest;
}

/**
 * Nodes whose own ledger view does not allow the computation (their answer NOT_ALLOWED names the
 * check, "check <name>: …"): REFUSED_BY_NODES naming the members and the checks.
 */
function refusedByNodes(refusals: ReadonlyArray<{ node: NodeRecord; error: NodeCallError }>): CoordinatorError {
  const checks = [...new Set(refusals.map((r) => /\bcheck ([a-z-]+)/.exec(r.error.message)?.[1] ?? 'unknown'))];
  const who = refusals.map((r) => r.node.mspId).join(', ');
  return new CoordinatorError('REFUSED_BY_NODES', `the MPC nodes of ${who} refused to take part (check ${checks.join(', ')}): ${refusals[0]!.error.message}`);
}

/**
 * What the nodes' answers to a compute op agree on: every recipient party gave its result or, from a
 * node in its member's own domain, `delivered` with the result's digest; all those digests are one
 * (a result's is `resultDigest(result)`, and a result given with a digest must match it); no other
 * party gave a result or a digest. The result is kept only when a node returned it; otherwise the
 * coordinator never had it. Anything else is INVALID_REQUEST; no value is ever put in the message.
 */
export function agreedOutcome(outcomes: readonly ComputeOutcome[], recipients: readonly number[]): { result: unknown; digest: string } {
  const inconsistent = (why?: string) => new CoordinatorError('INVALID_REQUEST', `the nodes returned inconsistent results${why ? ` (${why})` : ''}`);
  if (outcomes.some((o) => !recipients.includes(o.party) && (o.result !== undefined || o.resultDigest !== undefined || o.delivered === true))) {
    throw inconsistent();
  }
  const answers = outcomes.filter((o) => recipients.includes(o.party));
  if (answers.length !== new Set(recipients).size) throw inconsistent();
  const digests = answers.map((o) => {
    if (o.result !== undefined) {
      const own = resultDigest(o.result);
      if (o.resultDigest !== undefined && o.resultDigest !== own) throw inconsistent(`party ${o.party}'s digest is not its result's`);
      return own;
    }
    if (o.delivered === true && typeof o.resultDigest === 'string' && /^[0-9a-f]{64}$/.test(o.resultDigest)) return o.resultDigest;
    throw inconsistent();
  });
  if (new Set(digests).size !== 1) throw inconsistent("the recipients' digests do not agree");
  const withResult = answers.find((o) => o.result !== undefined);
  return { result: withResult?.result, digest: digests[0]! };
}

/**
 * The coordinator's logic: requests of DAOs of domains authorised against the read model (the public
 * directory's versions), scheduled as jobs, run across the members' MPC nodes, which deliver the
 * results to their recipients' own bridges (the coordinator keeps the digest only); and the nodes'
 * preprocessing stock topped up ahead of demand. It signs nothing as a member and sends no ledger
 * command: ComputationCompleted, usage, metering and subscription charges are the members' own
 * bridges' (custody removed, issue #11).
 */
export class ComputationsService {
  constructor(private readonly deps: ComputationsDeps) {}

  /**
   * The version, when `caller` (if given) is one of its members: to anyone else a version answers
   * exactly as an unknown one, so that ids cannot be probed.
   */
  async #version(caller: string | undefined, daoId: string, version: number): Promise<DaoVersionView> {
    const v = await this.deps.repository.version(daoId, version);
    if (!v || (caller !== undefined && !memberOf(v, caller))) throw new CoordinatorError('VERSION_NOT_FOUND', `no DAO version ${daoId} v${version} on the ledger (yet)`);
    return v;
  }

  /**
   * A computation request from `caller` (its MSP) as the enrolled identity `enrollmentId`. A refused
   * request is logged with its check, not recorded: the coordinator signs as no member, and the data
   * owner's node records what reaches it (its own bridge, RecordUsage). Every refused request
   * (an unknown version too, so that the limit tells nothing of which versions exist) takes one point
   * of the requester's refusal limit; beyond it the request is answered TOO_MANY_REFUSALS (429 /
   * RESOURCE_EXHAUSTED, Retry-After) and only logged and counted, not recorded on the ledger.
   */
  async request(caller: string, body: unknown, enrollmentId?: string): Promise<{ computation: ComputationView; created: boolean }> {
    const request = parseComputationRequest(body);
    // The requester's signature first: a request it does not vouch for is no request of the caller's.
    const signed = checkedSignature(request, caller, (await this.deps.directory.get(caller))?.caCertPem, this.deps.now?.() ?? Date.now());
    const known = await this.deps.repository.version(request.daoId, request.version);
    let allowed;
    try {
      if (!known) throw new CoordinatorError('VERSION_NOT_FOUND', `no DAO version ${request.daoId} v${request.version} on the ledger (yet)`);
      allowed = authorizePublicRequest(known, caller, request, await this.#rolesOf(known));
    } catch (error) {
      if (error instanceof CoordinatorError) await this.#withinRefusalLimit(caller, request, error);
      if (known && error instanceof CoordinatorError && error.check) this.#logRefusal(known, caller, error.check);
      // To a caller that is not a member the version answers exactly as an unknown one.
      if (known && !memberOf(known, caller)) throw new CoordinatorError('VERSION_NOT_FOUND', `no DAO version ${request.daoId} v${request.version} on the ledger (yet)`);
      throw error;
    }
    const id = computationId(caller, request, () => randomUUID());
    const created = await this.deps.repository.insert({
      id,
      daoId: request.daoId,
      version: request.version,
      computation: request.computation,
      requester: caller,
      ...(enrollmentId ? { requesterEnrollmentId: enrollmentId } : {}),
      ...(signed ? { request: signed } : {}),
      recipients: allowed.recipients,
      owner: allowed.owner,
      parameters: request.parameters,
      dataset: { name: request.dataset.name },
    });
    const c = (await this.deps.repository.get(id))!;
    if (!created && c.requester !== caller) throw forbidden('this request id belongs to another caller');
    // Adding again is harmless (the job id dedupes) and repairs a crash between insert and add.
    if (c.status === 'queued') await this.deps.jobs.addComputation(id);
    return { computation: view(c), created };
  }

  /** Takes a point of the requester's refusal limit; beyond it the refusal is throttled: logged, counted (the limit's metric), not recorded. */
  async #withinRefusalLimit(caller: string, request: ComputationRequest, refusal: CoordinatorError): Promise<void> {
    const verdict = await this.deps.refusals.take(caller);
    if (verdict.allowed) return;
    this.deps.logger.warn({
      message: 'refused computation request throttled: not recorded in the usage trail',
      requester: caller,
      daoId: request.daoId,
      version: request.version,
      computation: request.computation,
      refusal: refusal.check ?? refusal.code,
      retryAfterSeconds: verdict.retryAfterSeconds,
    });
    throw tooManyRefusals(caller, verdict.retryAfterSeconds);
  }

  /**
   * A refused request, logged: the coordinator is on no channel of a DAO of domains and signs as no
   * member, so it records nothing in a usage trail.
   */
  #logRefusal(version: DaoVersionView, caller: string, check: UsageCheck): void {
    this.deps.logger.log({ message: 'computation request refused (not recorded by the coordinator: it signs as no member)', daoId: version.daoId, version: version.version, requester: caller, check });
  }

  /** The identity directory's role of each member of a version (a public version lists no roles). */
  async #rolesOf(version: DaoVersionView): Promise<(mspId: string) => string | undefined> {
    const roles = new Map<string, string | undefined>();
    for (const m of version.members) roles.set(m.mspId, (await this.deps.directory.get(m.mspId))?.role);
    return (mspId) => roles.get(mspId);
  }

  async #visible(caller: string, id: string): Promise<ComputationRecord> {
    const c = await this.deps.repository.get(id);
    const version = c && (await this.deps.repository.version(c.daoId, c.version));
    // Non-members learn nothing, not even that the computation exists.
    if (!c || !version || !memberOf(version, caller)) throw new CoordinatorError('COMPUTATION_NOT_FOUND', `no computation ${id}`);
    return c;
  }

  async status(caller: string, id: string): Promise<ComputationView> {
    return view(await this.#visible(caller, id));
  }

  /**
   * Where a computation's result is: never here. To a recipient of a completed one,
   * RESULT_IN_RECIPIENT_DOMAIN pointing at its own bridge; before that, RESULT_NOT_READY.
   */
  async result(caller: string, id: string): Promise<never> {
    const c = await this.#visible(caller, id);
    if (!c.recipients.includes(caller)) throw forbidden(`${caller} is not a recipient of computation ${id}`);
    if (c.status !== 'completed') throw new CoordinatorError('RESULT_NOT_READY', `computation ${id} is ${c.status}`);
    throw new CoordinatorError(
      'RESULT_IN_RECIPIENT_DOMAIN',
      `computation ${id} went to its recipients' nodes in their own domains and the coordinator never had its result: fetch it from your own ledger bridge at GET /daos/${c.daoId}/versions/${c.version}/computations/${id}/result`,
    );
  }

  async registerNode(caller: string, daoId: string, version: number, body: unknown): Promise<NodeRecord> {
    const parsed = nodeRegistrationRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw invalid(`${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const v = await this.#version(caller, daoId, version);
    const problem = nodeRegistrationProblem(v, caller, parsed.data.partyIndex);
    if (problem) throw problem;
    const { partyIndex, controlUrl, certificatePem } = parsed.data;
    // A node in its member's own domain: its certificate must come from the caller's own CA, and is pinned.
    const pin = certificatePem === undefined ? undefined : nodeCertificatePin(caller, certificatePem, (await this.deps.directory.get(caller))?.caCertPem);
    const outcome = await this.deps.repository.registerNode(daoId, version, caller, partyIndex, controlUrl, pin);
    if (outcome === 'index-taken') throw invalid(`partyIndex: party ${partyIndex} is another member's node`);
    this.deps.logger.log({ message: 'MPC node registered by its member', daoId, version, mspId: caller, partyIndex, pinned: pin !== undefined });
    return { mspId: caller, partyIndex, controlUrl, source: 'member', ...(pin ? { pin } : {}) };
  }

  async nodesOf(caller: string, daoId: string, version: number): Promise<NodeRecord[]> {
    await this.#version(caller, daoId, version);
    return this.deps.repository.nodes(daoId, version);
  }

  /** The worker's entry: one queued job. */
  async run(job: RunningJob): Promise<void> {
    if (job.data.kind === 'top-up') await this.topUp();
    else await this.compute(job.data.computationId, (p) => job.updateProgress(p));
  }

  /** The mesh of a version: every registered node, party indices 0..n−1, all members active. */
  #mesh(version: DaoVersionView, nodes: readonly NodeRecord[]): string | undefined {
    if (nodes.length < 2) return 'fewer than two MPC nodes are registered';
    if (nodes.some((n, i) => n.partyIndex !== i)) return `the registered nodes' party indices are not 0..${nodes.length - 1}`;
    const inactive = nodes.find((n) => memberOf(version, n.mspId)?.status !== 'active');
    return inactive ? `the node of ${inactive.mspId} belongs to a member who is no longer active` : undefined;
  }

  async compute(id: string, progress: (p: number) => Promise<void>): Promise<void> {
    const { repository: repo, logger } = this.deps;
    const c = await repo.get(id);
    if (!c || c.status === 'completed' || c.status === 'failed') return;
    try {
      const version = await this.#version(undefined, c.daoId, c.version);
      const nodes = await repo.nodes(c.daoId, c.version);
      const problem = this.#mesh(version, nodes);
      if (problem) {
        const later = await repo.laterMeshVersion(c.daoId, c.version);
        if (later !== undefined) {
          throw new CoordinatorError('VERSION_SUPERSEDED', `version ${c.version} of DAO ${c.daoId} has no MPC mesh of its own: its members' nodes serve version ${later} now (one node per member per DAO); ask on version ${later}`);
        }
        throw new CoordinatorError('NODES_INCOMPLETE', problem);
      }
      const index = (msp: string) => {
        const n = nodes.find((x) => x.mspId === msp);
        if (!n) throw new CoordinatorError('NODES_INCOMPLETE', `${msp} has no registered MPC node`);
        return n.partyIndex;
      };
      const members = nodes.map((n) => n.mspId);
      const op = {
        opId: id,
        kind: 'compute' as const,
        program: c.computation as CatalogueProgram,
        owner: index(c.owner),
        recipients: c.recipients.map(index),
        dataset: { name: c.dataset.name, columns: [...c.parameters.columns] },
        fractionalBits: c.parameters.fractionalBits,
        ...(c.parameters.precision ? { precision: c.parameters.precision } : {}),
        // What the op is for, in the ledger's names: a node that checks its own ledger takes part only if it allows this.
        ledger: { daoId: c.daoId, version: c.version, computation: c.computation, requester: c.requester, ...(c.requesterEnrollmentId ? { requesterEnrollmentId: c.requesterEnrollmentId } : {}), recipients: [...c.recipients], owner: c.owner, ...(c.request ? { request: c.request } : {}) },
      };
      await repo.markRunning(id, 10, members);
      await progress(10);
      logger.log({ message: 'computation running', id, daoId: c.daoId, version: c.version, computation: c.computation, parties: nodes.length });
      const settled = await Promise.allSettled(nodes.map((n) => this.deps.nodes.op(n.controlUrl, op, n.pin)));
      const refusals = settled.flatMap((s, i) => (s.status === 'rejected' && s.reason instanceof NodeCallError && s.reason.code === 'NOT_ALLOWED' ? [{ node: nodes[i]!, error: s.reason }] : []));
      if (refusals.length > 0) throw refusedByNodes(refusals);
      // A node's PARTY_REFUSED only echoes another node's refusal (their agreement round): the failure is that node's own answer.
      const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      const failed = rejected.find((s) => !(s.reason instanceof NodeCallError && s.reason.code === 'PARTY_REFUSED')) ?? rejected[0];
      if (failed) {
        const e = failed.reason as NodeCallError;
        throw new CoordinatorError('INVALID_REQUEST', e.message, { cause: e });
      }
      const outcomes = settled.map((s) => (s as PromiseFulfilledResult<ComputeOutcome>).value);
      await Promise.all(outcomes.map((o, i) => repo.recordInventory(c.daoId, c.version, nodes[i]!.mspId, o.inventory)));
      await progress(90);
      const { result, digest } = agreedOutcome(outcomes, op.recipients);
      // The coordinator never keeps a result: a recipient's node that returned one (no ledger of its
      // member to deliver it to) is a misconfigured node, and what it sent is dropped.
      if (result !== undefined) {
        throw new CoordinatorError('RESULT_NOT_DELIVERED', "a recipient's MPC node returned the result to the coordinator instead of delivering it to its member's own bridge (MPC_NODE_LEDGER_URL); the coordinator discarded it");
      }
      const rows = outcomes[0]!.rows;
      await repo.complete(id, rows, digest);
      await progress(100);
      // No ledger command: the recipients' own bridges record ComputationCompleted (and usage, metering) as their members.
      logger.log({ message: 'computation completed', id, daoId: c.daoId, version: c.version, rows, resultDigest: digest });
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const code = cause instanceof NodeCallError ? cause.code : error instanceof CoordinatorError ? error.code : 'INTERNAL';
      const message = (error as Error).message;
      await repo.fail(id, code, message);
      logger.warn({ message: 'computation failed', id, code, error: message });
    }
  }

  /**
   * Keeps every complete mesh's stock at the configured level: when triples, or the masks of a data
   * owner or of a recipient named in the terms, fall below half of it, the nodes make the rest.
   */
  async topUp(): Promise<void> {
    const { repository: repo, settings, logger } = this.deps;
    for (const { daoId, version: v } of await repo.meshes()) {
      try {
        const version = await repo.version(daoId, v);
        const nodes = await repo.nodes(daoId, v);
        if (!version || this.#mesh(version, nodes)) continue;
        const inventories: NodeInventory[] = await Promise.all(nodes.map((n) => this.deps.nodes.inventory(n.controlUrl, n.pin)));
        await Promise.all(inventories.map((inv, i) => repo.recordInventory(daoId, v, nodes[i]!.mspId, inv)));
        const first = inventories[0]!;
        if (inventories.some((i) => i.triples !== first.triples || canonicalJson(i.masks) !== canonicalJson(first.masks))) {
          logger.warn({ message: 'nodes of a mesh report different stocks; not topping up', daoId, version: v });
          continue;
        }
        // A public version lists no roles (the directory's) and no terms (its recipients are unknown): the data owners' masks only.
        const roleOf = await this.#rolesOf(version);
        const owners = new Set<string>(version.members.filter((m) => roleOf(m.mspId) === 'DSP').map((m) => m.mspId));
        const masks = nodes
          .filter((n) => owners.has(n.mspId) && (first.masks[n.partyIndex] ?? 0) < settings.stock.masks / 2)
          .map((n) => ({ owner: n.partyIndex, n: settings.stock.masks - (first.masks[n.partyIndex] ?? 0) }));
        const triples = first.triples < settings.stock.triples / 2 ? settings.stock.triples - first.triples : 0;
        if (triples === 0 && masks.length === 0) continue;
        const op = { opId: `topup-${daoId}-v${v}-${Date.now()}`, kind: 'preprocess' as const, triples, masks };
        logger.log({ message: 'topping up preprocessing', daoId, version: v, triples, masks });
        const outcomes = await Promise.all(nodes.map((n) => this.deps.nodes.op(n.controlUrl, op, n.pin)));
        await Promise.all(outcomes.map((o, i) => repo.recordInventory(daoId, v, nodes[i]!.mspId, o.inventory)));
      } catch (error) {
        logger.warn({ message: 'preprocessing top-up failed', daoId, version: v, error: String(error) });
      }
    }
  }
}
