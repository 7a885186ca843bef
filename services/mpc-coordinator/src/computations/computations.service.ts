import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { MpcCoordinatorSettings } from '../config';
import { ledgerCommandCloudEvent, parametersDigest, resultDigest, type LedgerCommand, type UsageCheck, type UsageEntryInput } from '@datawell/contracts';
import { canonicalJson } from '@datawell/domain';
import { writeOutbox, type ConnectionLogger, type WakeOutbox } from '@datawell/messaging';
import type { CatalogueProgram } from '@datawell/mpc';
import type { ComputeOutcome, NodeInventory } from '@datawell/mpc';
import { type ComputationRequest, authorizePublicRequest, authorizeRequest, computationId, datasetOwnerOf, isPublicVersion, memberOf, nodeRegistrationProblem, nodeRegistrationRequestSchema, parseComputationRequest, type DaoVersionView } from './authorization';
import { CoordinatorError, forbidden, invalid, tooManyRefusals } from './computations.errors';
import type { ComputationRecord, CoordinatorRepository, NodeRecord } from './computations.repository';
import type { RunningJob } from './job-queue.adapter';
import { chargeSubscriptionCommand, periodsBegun } from '../ledger/subscriptions';
import { computationCompletedCommand, recordUsageCommand } from './ledger-command';
import { checkedSignature } from './signed-request';
import { nodeCertificatePin } from './node-certificate';
import { NodeCallError, type NodeClient } from './node-client.adapter';
import type { RefusalLimit } from './refusal-limit';

export interface ComputationJobs {
  addComputation(id: string): Promise<void>;
}

export interface ComputationsDeps {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly repository: CoordinatorRepository;
  readonly jobs: ComputationJobs;
  readonly nodes: NodeClient;
  readonly settings: MpcCoordinatorSettings;
  readonly logger: ConnectionLogger;
  /** Wakes the outbox relay after a commit (its `notify`). */
  readonly wakeOutbox: WakeOutbox;
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

const SOURCE = 'urn:datawell:service:mpc-coordinator';
const MAX_PERIODS_PER_RUN = 100;


/** A computation as a member sees it: everything but the result (and the requester's identity and signature, which go to the nodes). */
export type ComputationView = Omit<ComputationRecord, 'result' | 'requesterEnrollmentId' | 'request'>;

function view(c: ComputationRecord): ComputationView {
  const { result: _result, requesterEnrollmentId: _enrollment, request: _request, ...rest } = c;
  return rest;
}

/** What a granted or failed computation's usage entry says of its request (the outcome's fields are the caller's). */
function usageOf(c: ComputationRecord): Omit<UsageEntryInput, 'outcome'> {
  return {
    usageId: c.id,
    dataset: { owner: c.owner, name: c.dataset.name },
    requester: { mspId: c.requester, ...(c.requesterEnrollmentId ? { enrollmentId: c.requesterEnrollmentId } : {}) },
    computation: c.computation,
    parametersDigest: parametersDigest(c.parameters),
    recipients: [...c.recipients],
  };
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
 * The coordinator's logic: requests authorised against the read model of the ledger, scheduled as
 * jobs, run across the members' MPC nodes, results kept for their recipients, ComputationCompleted
 * sent to the ledger through the outbox; and the nodes' preprocessing stock topped up ahead of demand.
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
   * A computation request from `caller` (its MSP) as the enrolled identity `enrollmentId`. A request
   * on a known version that a check refuses is recorded in the dataset owner's usage trail
   * (RecordUsage, refused, with the check) before the refusal is answered. Every refused request
   * (an unknown version too, so that the limit tells nothing of which versions exist) takes one point
   * of the requester's refusal limit; beyond it the request is answered TOO_MANY_REFUSALS (429 /
   * RESOURCE_EXHAUSTED, Retry-After) and only logged and counted, not recorded on the ledger.
   */
  async request(caller: string, body: unknown, enrollmentId?: string): Promise<{ computation: ComputationView; created: boolean }> {
    const request = parseComputationRequest(body);
    // The requester's signature first: a request it does not vouch for is no request of the caller's.
    const signed = checkedSignature(request, caller, (await this.deps.directory.get(caller))?.caCertPem, this.deps.now?.() ?? Date.now());
    const known = await this.deps.repository.version(request.daoId, request.version);
    if (known && memberOf(known, caller)) this.#refuseCustodial(known);
    let allowed;
    try {
      if (!known) throw new CoordinatorError('VERSION_NOT_FOUND', `no DAO version ${request.daoId} v${request.version} on the ledger (yet)`);
      allowed = isPublicVersion(known) ? authorizePublicRequest(known, caller, request, await this.#rolesOf(known)) : authorizeRequest(known, caller, request);
    } catch (error) {
      if (error instanceof CoordinatorError) await this.#withinRefusalLimit(caller, request, error);
      if (known && error instanceof CoordinatorError && error.check) await this.#recordRefusal(known, caller, enrollmentId, request, error.check);
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

  /**
   * A DAO version the operator holds in custody (not of its members' own domains) needs an
   * operator-run mesh: signing as its members, keeping results. Refused unless custody is on.
   */
  #refuseCustodial(version: DaoVersionView): void {
    if (!this.#custodyRefused(version)) return;
    throw new CoordinatorError(
      'CUSTODIAL_DAO',
      `DAO ${version.daoId} v${version.version} is held by the operator, not by its members' own domains: the coordinator runs no mesh for it and signs nothing as its members (MPC_COORDINATOR_CUSTODIAL_ORGANISATIONS is off); form the DAO from trust domains (./dev domain add <MSPID> --role DSP|VSP)`,
    );
  }

  /** Whether `version` would need an operator-run mesh (the operator holds it) while custody is off. */
  #custodyRefused(version: DaoVersionView): boolean {
    return !isPublicVersion(version) && !this.deps.settings.custodialOrganisations;
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
   * A refused request in the data owner's trail, recorded as the owner (its bridge signs). Without a
   * DSP of the version to name as the owner, the request belongs to no one's trail and is only logged.
   */
  async #recordRefusal(version: DaoVersionView, caller: string, enrollmentId: string | undefined, request: ComputationRequest, check: UsageCheck): Promise<void> {
    if (isPublicVersion(version)) {
      // The coordinator is on no channel of a DAO of domains and may sign for no member: nothing to record it with.
      this.deps.logger.log({ message: 'computation request refused (a public version: not recorded by the coordinator)', daoId: version.daoId, version: version.version, requester: caller, check });
      return;
    }
    if (!this.deps.settings.custodialOrganisations) {
      this.deps.logger.log({ message: 'computation request refused (a DAO held by the operator, custody off: not recorded, the coordinator signs as no member)', daoId: version.daoId, version: version.version, requester: caller, check });
      return;
    }
    const owner = datasetOwnerOf(version, request);
    if (!owner) {
      this.deps.logger.warn({ message: 'refused request names no data owner of the version; not in any usage trail', daoId: version.daoId, version: version.version, check });
      return;
    }
    const terms = version.computations.find((c) => c.name === request.computation);
    const entry: UsageEntryInput = {
      usageId: `ref-${randomUUID()}`,
      dataset: { owner, name: request.dataset.name },
      requester: { mspId: caller, ...(enrollmentId ? { enrollmentId } : {}) },
      computation: request.computation,
      parametersDigest: parametersDigest(request.parameters),
      recipients: [...(request.recipients ?? terms?.resultRecipients ?? [])],
      outcome: 'refused',
      check,
    };
    await this.deps.dataSource.transaction((manager) => this.#writeCommands(manager, [recordUsageCommand({ daoId: version.daoId, version: version.version, entry })]));
    this.deps.wakeOutbox();
    this.deps.logger.log({ message: 'computation request refused', daoId: version.daoId, version: version.version, requester: caller, check, usageId: entry.usageId });
  }

  /** The identity directory's role of each member of a version (a public version lists no roles). */
  async #rolesOf(version: DaoVersionView): Promise<(mspId: string) => string | undefined> {
    const roles = new Map<string, string | undefined>();
    for (const m of version.members) roles.set(m.mspId, (await this.deps.directory.get(m.mspId))?.role);
    return (mspId) => roles.get(mspId);
  }

  #writeCommands(manager: EntityManager, commands: readonly LedgerCommand[]) {
    const topic = this.deps.settings.topics.ledgerCommands;
    return writeOutbox(manager, this.deps.schema, commands.map((command) => ({ id: command.commandId, topic, key: command.channel, payload: ledgerCommandCloudEvent(command, SOURCE) })));
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

  async result(caller: string, id: string): Promise<{ id: string; computation: string; result: unknown; resultDigest: string }> {
    const c = await this.#visible(caller, id);
    if (!c.recipients.includes(caller)) throw forbidden(`${caller} is not a recipient of computation ${id}`);
    if (c.status !== 'completed') throw new CoordinatorError('RESULT_NOT_READY', `computation ${id} is ${c.status}`);
    if (c.result === undefined) {
      throw new CoordinatorError(
        'RESULT_IN_RECIPIENT_DOMAIN',
        `computation ${id} went to its recipients' nodes in their own domains and the coordinator never had its result: fetch it from your own ledger bridge at GET /daos/${c.daoId}/versions/${c.version}/computations/${id}/result`,
      );
    }
    return { id: c.id, computation: c.computation, result: c.result, resultDigest: c.resultDigest! };
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
    if (job.data.kind === 'top-up') {
      await this.chargeSubscriptions().catch((error: unknown) => this.deps.logger.warn({ message: 'charging subscriptions failed', error: String(error) }));
      await this.topUp();
    }
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
    let publicVersion = false;
    try {
      const version = await this.#version(undefined, c.daoId, c.version);
      publicVersion = isPublicVersion(version);
      this.#refuseCustodial(version);
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
      // In a DAO of domains the coordinator never keeps a result: a recipient's node that returned one
      // (no ledger of its member to deliver it to) is a misconfigured node, and what it sent is dropped.
      if (publicVersion && result !== undefined) {
        throw new CoordinatorError('RESULT_NOT_DELIVERED', "a recipient's MPC node returned the result to the coordinator instead of delivering it to its member's own bridge (MPC_NODE_LEDGER_URL); the coordinator discarded it");
      }
      const rows = outcomes[0]!.rows;
      // A public version's channel is not the operator's: the recipient's own bridge records ComputationCompleted as its member.
      const commands = publicVersion
        ? []
        : [
            computationCompletedCommand({ id, daoId: c.daoId, version: c.version, computation: c.computation, requester: c.requester, members, resultDigest: digest }),
            recordUsageCommand({ daoId: c.daoId, version: c.version, entry: { ...usageOf(c), outcome: 'granted', rows, resultDigest: digest } }),
          ];
      await this.deps.dataSource.transaction(async (manager) => {
        await repo.complete(manager, id, rows, result, digest);
        if (commands.length > 0) await this.#writeCommands(manager, commands);
      });
      if (commands.length > 0) this.deps.wakeOutbox();
      await progress(100);
      logger.log({ message: 'computation completed', id, rows: outcomes[0]!.rows, resultDigest: digest, resultKept: result !== undefined });
      if (publicVersion) logger.log({ message: "no ledger command for a public version's computation: its recipients' own bridges record ComputationCompleted as their members", id, daoId: c.daoId, version: c.version });
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const code = cause instanceof NodeCallError ? cause.code : error instanceof CoordinatorError ? error.code : 'INTERNAL';
      const message = (error as Error).message;
      const failure = /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'INTERNAL';
      const usage = publicVersion || !this.deps.settings.custodialOrganisations ? [] : [recordUsageCommand({ daoId: c.daoId, version: c.version, entry: { ...usageOf(c), outcome: 'failed', failure } })];
      await this.deps.dataSource.transaction(async (manager) => {
        await repo.fail(id, code, message, manager);
        if (usage.length > 0) await this.#writeCommands(manager, usage);
      });
      if (usage.length > 0) this.deps.wakeOutbox();
      logger.warn({ message: 'computation failed', id, code, error: message });
    }
  }

  /**
   * Sends ChargeSubscription for every period of a subscription version that has begun and was not
   * sent yet (through the outbox, with the count of periods sent, in one transaction): the chaincode
   * charges each period once at the terms' price. Runs with the repeatable top-up job.
   */
  async chargeSubscriptions(nowMs = Date.now()): Promise<number> {
    const { repository: repo, logger } = this.deps;
    // The subscriptions kept here are of DAOs the operator holds (a DAO of domains is charged by its D's own bridge).
    if (!this.deps.settings.custodialOrganisations) return 0;
    const sent = await this.deps.dataSource.transaction(async (manager) => {
      const commands: { id: string; topic: string; key: string; payload: ReturnType<typeof ledgerCommandCloudEvent> }[] = [];
      for (const s of await repo.subscriptionsForUpdate(manager)) {
        const begun = periodsBegun(s, nowMs);
        if (begun <= s.periodsSent) continue;
        // At most a bounded number per run (a coordinator back after a long pause catches up run by run).
        const upTo = Math.min(begun, s.periodsSent + MAX_PERIODS_PER_RUN);
        for (let k = s.periodsSent; k < upTo; k++) {
          const command = chargeSubscriptionCommand(s, k);
          commands.push({ id: command.commandId, topic: this.deps.settings.topics.ledgerCommands, key: command.channel, payload: ledgerCommandCloudEvent(command, SOURCE) });
        }
        await repo.markPeriodsSent(manager, s.daoId, s.version, upTo);
        logger.log({ message: 'subscription periods sent for charging', daoId: s.daoId, version: s.version, from: s.periodsSent, to: upTo - 1 });
      }
      if (commands.length > 0) await writeOutbox(manager, this.deps.schema, commands);
      return commands.length;
    });
    if (sent > 0) this.deps.wakeOutbox();
    return sent;
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
        if (this.#custodyRefused(version)) continue;
        const inventories: NodeInventory[] = await Promise.all(nodes.map((n) => this.deps.nodes.inventory(n.controlUrl, n.pin)));
        await Promise.all(inventories.map((inv, i) => repo.recordInventory(daoId, v, nodes[i]!.mspId, inv)));
        const first = inventories[0]!;
        if (inventories.some((i) => i.triples !== first.triples || canonicalJson(i.masks) !== canonicalJson(first.masks))) {
          logger.warn({ message: 'nodes of a mesh report different stocks; not topping up', daoId, version: v });
          continue;
        }
        // A public version lists no roles (the directory's) and no terms (its recipients are unknown): the data owners' masks only.
        const roleOf = isPublicVersion(version) ? await this.#rolesOf(version) : (msp: string) => memberOf(version, msp)?.role;
        const owners = new Set<string>([
          ...version.members.filter((m) => roleOf(m.mspId) === 'DSP').map((m) => m.mspId),
          ...version.computations.flatMap((c) => c.resultRecipients),
        ]);
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
