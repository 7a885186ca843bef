import { DAO, ledgerCommandCloudEvent, parseDaoChannel, type LedgerCommand, type ProvisionedMpcNode } from '@datawell/contracts';
import { writeOutbox, type ConnectionLogger, type LedgerEffect as MessagingLedgerEffect, type LedgerEventHandlers, type LedgerEventMeta, type WakeOutbox } from '@datawell/messaging';
import type { EntityManager } from 'typeorm';
import { carryOverCommands, effectOf, failedCommand, outputsDigest, partFailedCommand, partProvisionedCommand, provisionedCommand, registerWorkloadCommand, type LedgerEffect } from './ledger-effects';
import type { ProvisioningRepository } from './provisioning.repository';
import { activeWorkloads, jobIdOf, partOf, type DesiredVersion, type JobData } from './spec';
import { meshFileOf, MPC_NODE_KIND, planMemberMesh, planMesh, meshResources, writeMeshFile, type MeshOptions } from './mpc-mesh.adapter';
import { sharedNodesOf } from './shared-nodes';
import type { MemberMeshOptions } from './node-identity';
import { renderTofuConfiguration, type RenderContext } from './tofu-config';
import { TofuWorkspace, type TofuOptions } from './tofu.adapter';
import { needsResuming, prepareWorkloadFolder, retireWorkload, startWorkload, takeOverWorkload, workloadConfigVersion } from './workload-files.adapter';

export const PROVISIONER_SOURCE = 'urn:datawell:provisioner';
/** The name the provisioner claims ledger event ids under in its inbox. */
export const INBOX_CONSUMER = 'provisioner.ledger-events';

/** The queue seen by the service: add a job under its id (an existing id adds nothing). */
export interface JobQueue {
  add(id: string, data: JobData): Promise<void>;
  /** The queue's state of a job (`failed` once it gave up on it), undefined if it holds no such job. */
  state(id: string): Promise<{ state: string; failedReason?: string } | undefined>;
}

/** A running job as the processor sees it (BullMQ's Job, narrowed). */
export interface RunningJob {
  readonly id: string;
  readonly data: JobData;
  /** Attempts made before this one. */
  readonly attemptsMade: number;
  readonly maxAttempts: number;
  updateProgress(progress: number): Promise<void>;
}

export class VersionNotFoundError extends Error {
  readonly code = 'VERSION_NOT_FOUND';
  constructor(
    readonly daoId: string,
    readonly version: number,
  ) {
    super(`no desired state for DAO ${daoId} version ${version}`);
    this.name = 'VersionNotFoundError';
  }
}

export interface ProvisioningServiceOptions {
  readonly repository: ProvisioningRepository;
  readonly queue: JobQueue;
  readonly render: RenderContext;
  /** With the operator's mesh CA: managed `mpc-node` workloads run the real SPDZ node (see mpc-mesh.adapter). */
  readonly mesh?: MeshOptions;
  readonly tofu: TofuOptions;
  readonly commandsTopic: string;
  readonly logger: ConnectionLogger;
  /** Called after ledger commands were written to the outbox (the relay's `notify`). */
  readonly wakeOutbox?: WakeOutbox;
  /** Member mode: build only this member's managed workloads and report its part as it. */
  readonly member?: string;
  /** Member mode with the member's own CA: its managed `mpc-node` workloads run real nodes (member-mesh). */
  readonly memberMesh?: MemberMeshOptions;
}

/**
 * Ledger events in, desired state per DAO version and jobs out; jobs render the version's OpenTofu
 * configuration, apply it in the version's workspace and report to the ledger through the outbox.
 */
export class ProvisioningService {
  constructor(private readonly o: ProvisioningServiceOptions) {}

  /**
   * The provisioner's decisions on ledger events, for the messaging library's ledger-event consumer:
   * the pure `effectOf` says what an event asks; its desired state and job row commit with the inbox
   * claim, and recorded jobs go to the queue afterwards (`enqueuePending`, also after a redelivery).
   */
  readonly ledgerEventHandlers: LedgerEventHandlers = {
    [DAO.event.VersionCreated]: (_event, meta) => this.#ledgerEffect(meta),
    [DAO.event.MemberAbandoned]: (_event, meta) => this.#ledgerEffect(meta),
    [DAO.event.MemberExited]: (_event, meta) => this.#ledgerEffect(meta),
    [DAO.event.MemberTransferred]: (_event, meta) => this.#ledgerEffect(meta),
    [DAO.event.ProposalDecided]: (_event, meta) => this.#ledgerEffect(meta),
    [DAO.event.InfrastructureProvisioned]: (event, meta) => this.#meshReported(event.payload.resources?.mpcNodes ?? [], event.payload.revision, meta),
  };

  /**
   * Member mode: every member's part is in, so the ledger now lists the version's whole mesh (each node
   * with the endpoint and certificates its own member reported); this member's nodes of the version get
   * their mesh file and connect. Nodes of a version the provisioner does not run, or a list that makes
   * no mesh (an operator-run mesh, fewer than two nodes), change nothing.
   */
  #meshReported(reported: readonly ProvisionedMpcNode[], revision: number, meta: LedgerEventMeta): MessagingLedgerEffect | undefined {
    const channel = parseDaoChannel(meta.ledger.channel);
    if (this.o.member === undefined || !this.o.memberMesh || !channel || reported.every((n) => n.owner !== this.o.member)) return undefined;
    return async () => {
      const own = (await this.o.repository.workloads(channel.daoId, channel.level)).filter((w) => w.status !== 'destroyed' && reported.some((n) => n.workloadId === w.workloadId && n.owner === this.o.member));
      return () => {
        for (const w of own) {
          // A node a later version took over meanwhile (its config names that version) waits for that version's mesh.
          if (workloadConfigVersion(w.dir) !== channel.level) continue;
          try {
            const serves = { daoId: channel.daoId, version: channel.level, revision };
            if (writeMeshFile(w.dir, meshFileOf(reported, w.workloadId, serves))) this.o.logger.log({ message: 'MPC node mesh written from the ledger', workloadId: w.workloadId, parties: reported.length, version: channel.level });
          } catch (error) {
            this.o.logger.warn({ message: 'no mesh for an MPC node from the ledger', workloadId: w.workloadId, reason: error instanceof Error ? error.message : String(error) });
          }
        }
      };
    };
  }

  #ledgerEffect(meta: LedgerEventMeta): MessagingLedgerEffect | undefined {
    const effect = effectOf(meta.ledger);
    if (!effect) return undefined;
    const { repository } = this.o;
    return async (m) => {
      switch (effect.type) {
        case 'version':
          await repository.upsertVersion(m, effect.desired);
          await this.#carryOver(m, effect.desired);
          break;
        case 'member-left':
          if (!(await repository.removeMember(m, effect.daoId, effect.version, effect.mspId, effect.dissolved))) {
            this.o.logger.warn({ message: 'member left a version the provisioner does not know; ignored', daoId: effect.daoId, version: effect.version });
            return;
          }
          break;
        case 'dissolved':
          if (!(await repository.dissolve(m, effect.daoId, effect.version))) return;
          break;
        case 'revision':
          if (!(await repository.changeInfrastructure(m, effect.daoId, effect.version, effect.revision, effect.spec))) {
            this.o.logger.warn({ message: 'infrastructure revision of a version the provisioner does not know, or not a later one; ignored', daoId: effect.daoId, version: effect.version, revision: effect.revision });
            return;
          }
          break;
      }
      if (!(await this.#concernsMe(effect))) return;
      await repository.addJob(m, jobIdOf(effect.job), effect.job);
    };
  }

  /**
   * Member mode: a version where this member runs no managed workload, or another member's leaving,
   * asks nothing of its provisioner (the desired state is still kept, for a later change).
   */
  async #concernsMe(effect: LedgerEffect): Promise<boolean> {
    const member = this.o.member;
    if (member === undefined) return true;
    switch (effect.type) {
      case 'version':
        return activeWorkloads(partOf(effect.desired, member)).length > 0;
      case 'member-left':
        if (effect.dissolved || effect.mspId === member) return (await this.o.repository.workloads(effect.daoId, effect.version)).length > 0;
        return false;
      case 'dissolved':
        return (await this.o.repository.workloads(effect.daoId, effect.version)).length > 0;
      case 'revision':
        // Its part of the new revision, or workloads of the old one to take down.
        return effect.spec.workloads.some((w) => w.owner === member && w.placement === 'managed') || (await this.o.repository.workloads(effect.daoId, effect.version)).some((w) => w.status !== 'destroyed');
    }
  }

  /**
   * Carry-over onto a new version n > 1: the workloads this provisioner runs for earlier versions of
   * the DAO, of owners who sit in version n too, are registered on version n's channel as their owners
   * (in member mode only its member's), so CH_n hears their heartbeats and can judge their silence.
   */
  async #carryOver(m: EntityManager, target: DesiredVersion): Promise<void> {
    if (target.version <= 1) return;
    const commands = carryOverCommands(target, await this.o.repository.registeredWorkloadsBefore(m, target.daoId, target.version), this.o.member);
    if (commands.length === 0) return;
    await this.#writeCommands(m, commands);
    this.o.logger.log({ message: 'workloads of earlier versions registered on a new version (carry-over)', daoId: target.daoId, version: target.version, workloads: commands.length });
  }

  /** What this provisioner builds of a version: all of it, or in member mode its member's part. */
  #mine(desired: DesiredVersion): DesiredVersion {
    return this.o.member === undefined ? desired : partOf(desired, this.o.member);
  }

  /** Hands recorded jobs to the queue; also run at boot for jobs recorded just before a crash. */
  async enqueuePending(): Promise<void> {
    for (const job of await this.o.repository.jobsNotEnqueued()) {
      await this.o.queue.add(job.id, job.data);
      await this.o.repository.markEnqueued(job.id);
    }
  }

  /** The job processor. Idempotent: applying a converged workspace changes nothing. */
  async run(job: RunningJob): Promise<void> {
    const { repository } = this.o;
    const { data } = job;
    const pending: string[] = [];
    let flushing = Promise.resolve();
    const flush = () => {
      const lines = pending.splice(0);
      flushing = flushing.then(() => repository.appendLogs(job.id, lines)).catch(() => undefined);
      return flushing;
    };
    const timer = setInterval(() => void flush(), 500);
    const log = (line: string) => {
      pending.push(line);
    };
    const progress = async (p: number) => {
      await job.updateProgress(p);
      await repository.updateJob(repository.dataSource, job.id, { progress: p });
    };
    try {
      await repository.updateJob(repository.dataSource, job.id, { state: 'active', attempts: job.attemptsMade + 1, error: null });
      log(`job ${job.id}: attempt ${job.attemptsMade + 1} of ${job.maxAttempts}`);
      const stored = await repository.version(data.daoId, data.version);
      if (!stored) throw new VersionNotFoundError(data.daoId, data.version);
      const desired = this.#mine(stored);
      // Member mode: one MPC node per member per DAO, shared by its versions (shared-nodes.ts).
      const shared = this.o.member !== undefined && this.o.memberMesh ? sharedNodesOf(desired, await repository.runningWorkloadsOf(desired.daoId, this.o.member, MPC_NODE_KIND)) : undefined;
      if (shared && shared.handedOver.size > 0) log(`job ${job.id}: no MPC node of its own: a later version of ${desired.daoId} runs ${this.o.member}'s node`);
      let rendered = renderTofuConfiguration(desired, this.o.render, new Map(), shared);
      // Member mode: this member's nodes join the mesh of every member's nodes (their parts on the ledger).
      const member = this.o.member !== undefined && this.o.memberMesh ? await planMemberMesh(stored, rendered.workloads, this.o.memberMesh) : undefined;
      const mesh = member ? member.mesh : this.o.mesh && this.o.member === undefined ? await planMesh(rendered.workloads, this.o.mesh) : new Map();
      if (mesh.size > 0) {
        rendered = renderTofuConfiguration(desired, this.o.render, mesh, shared);
        log(`job ${job.id}: MPC mesh of ${mesh.size} nodes`);
      }
      const workspace = new TofuWorkspace(this.o.tofu, rendered.workspace);
      const keys = new Map<string, string>();
      for (const w of rendered.workloads) {
        // A node an earlier version ran: same folder, ports, keys and identity; restarted below with this version's mesh.
        const from = takeOverWorkload(w, desired.version);
        const { publicKeyPem } = prepareWorkloadFolder(w);
        keys.set(w.config.workloadId, publicKeyPem);
        await repository.saveWorkload({ ...w.config, dir: w.dir, publicKeyPem });
        if (from !== undefined) {
          await from.restart();
          log(`job ${job.id}: took over ${w.config.workloadId} from version ${from.version}; it restarts with version ${desired.version}'s mesh`);
        }
      }
      workspace.writeConfiguration(rendered.document);
      await repository.setVersionStatus(repository.dataSource, desired.daoId, desired.version, desired.dissolved ? 'destroying' : 'applying');
      await progress(10);
      await workspace.prepare(log);
      await progress(30);
      await workspace.apply(log);
      await progress(80);
      const outputs = await workspace.outputs();
      const digest = outputsDigest(outputs);
      if (desired.dissolved) await workspace.deleteWorkspace(log);
      await progress(90);
      const active = new Set(rendered.workloads.map((w) => w.config.workloadId));
      const gone = (await repository.workloads(desired.daoId, desired.version)).filter((w) => !active.has(w.workloadId) && w.status !== 'destroyed');
      for (const w of gone) {
        if (await retireWorkload(w.dir)) log(`job ${job.id}: stopped ${w.workloadId}, left running by an interrupted apply`);
      }
      await flush();
      await repository.dataSource.transaction(async (m) => {
        await repository.markDestroyed(m, gone.map((w) => w.workloadId));
        await repository.setVersionStatus(m, desired.daoId, desired.version, desired.dissolved ? 'destroyed' : 'provisioned', {
          appliedRevision: desired.revision,
          outputsDigest: digest,
        });
        // A member's provisioner left with nothing of its own in a revision reports no part (the chaincode expects none);
        // one whose node a later version runs now still reports its part, without nodes.
        const reports = data.kind === 'apply' && !desired.dissolved && (this.o.member === undefined || activeWorkloads(desired).length > 0);
        if (reports) {
          const registrations = rendered.workloads.map((w) => ({ workloadId: w.config.workloadId, daoId: desired.daoId, version: desired.version, owner: w.config.owner, publicKeyPem: keys.get(w.config.workloadId)!, status: 'active' as const }));
          const commands = [
            ...registrations.map((w) => registerWorkloadCommand(desired, w)),
            // Carry-over the other way round: later versions already known (created while this one was
            // still being built) get this version's workloads too, before the report.
            ...(await repository.versionsAfter(m, desired.daoId, desired.version)).flatMap((later) => carryOverCommands(later, registrations, this.o.member)),
            this.o.member !== undefined
              ? partProvisionedCommand(desired, this.o.member, digest, rendered.workloads.length, member?.nodes)
              : provisionedCommand(
                  desired,
                  digest,
                  rendered.workloads.length,
                  this.o.mesh ? meshResources(mesh, new Map(rendered.workloads.map((w) => [w.config.workloadId, w.config.owner]))) : undefined,
                ),
          ];
          await this.#writeCommands(m, commands);
        }
        await repository.updateJob(m, job.id, { state: 'completed', progress: 100, finished: true });
      });
      this.o.wakeOutbox?.();
      await progress(100);
      log(`job ${job.id}: done (${rendered.workloads.length} workloads, outputs ${digest})`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`job ${job.id}: failed: ${reason}`);
      await this.#recordFailure(job, reason, job.attemptsMade + 1 >= job.maxAttempts);
      throw error;
    } finally {
      clearInterval(timer);
      await flush();
    }
  }

  /**
   * A job the queue failed without running it (it was left active by crashed processes more often than
   * the queue allows): recorded like a failed last attempt, so it does not stay `active` for ever and
   * the ledger hears `InfrastructureFailed`.
   */
  async recordGivenUp(job: RunningJob, reason: string): Promise<void> {
    this.o.logger.warn({ message: 'provisioning job given up by the queue', jobId: job.id, reason });
    await this.o.repository.appendLogs(job.id, [`job ${job.id}: failed: ${reason}`]);
    await this.#recordFailure(job, reason, true);
  }

  /**
   * At boot: a job the queue gave up on (at its stall limit) while no process was there to hear it
   * stays unfinished in our table; it is recorded as given up now. Jobs still queued or running are
   * left to the worker.
   */
  async reconcileGivenUp(): Promise<string[]> {
    const reconciled: string[] = [];
    for (const job of await this.o.repository.unfinishedJobs()) {
      const queued = await this.o.queue.state(job.id);
      if (queued?.state !== 'failed') continue;
      const running: RunningJob = { id: job.id, data: job.data, attemptsMade: job.attempts, maxAttempts: job.attempts, updateProgress: async () => undefined };
      await this.recordGivenUp(running, queued.failedReason ?? 'the queue failed the job');
      reconciled.push(job.id);
    }
    return reconciled;
  }

  /**
   * At boot: workloads of provisioned versions whose processes are gone without having been stopped
   * (the host restarted, or `./dev down` stopped them with the stack) are started again, with the key
   * they registered. OpenTofu would not do it: its state still holds them, so an apply changes nothing.
   */
  async resumeWorkloads(start: (dir: string) => Promise<void> = (dir) => startWorkload(dir, this.o.render)): Promise<string[]> {
    const resumed: string[] = [];
    for (const w of await this.o.repository.desiredRunningWorkloads()) {
      if (!needsResuming(w.dir)) continue;
      try {
        await start(w.dir);
        resumed.push(w.workloadId);
      } catch (error) {
        this.o.logger.warn({ message: 'could not resume a workload', workloadId: w.workloadId, error: String(error) });
      }
    }
    return resumed;
  }

  async #recordFailure(job: RunningJob, reason: string, last: boolean): Promise<void> {
    const { repository } = this.o;
    const { data } = job;
    await repository.dataSource.transaction(async (m) => {
      await repository.updateJob(m, job.id, { state: last ? 'failed' : 'retrying', error: reason, finished: last });
      const desired = await repository.version(data.daoId, data.version, m);
      if (last && desired) {
        await repository.setVersionStatus(m, data.daoId, data.version, 'failed', { failure: reason });
        if (data.kind === 'apply') await this.#writeCommands(m, [this.o.member !== undefined ? partFailedCommand(desired, this.o.member, reason) : failedCommand(desired, reason)]);
      }
    });
    if (last) this.o.wakeOutbox?.();
  }

  async #writeCommands(m: EntityManager, commands: readonly LedgerCommand[]): Promise<void> {
    await writeOutbox(
      m,
      this.o.repository.schema,
      commands.map((c) => ({ id: c.commandId, topic: this.o.commandsTopic, key: c.channel, payload: ledgerCommandCloudEvent(c, PROVISIONER_SOURCE) })),
    );
  }
}
