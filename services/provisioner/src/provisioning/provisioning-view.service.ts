import { z } from 'zod';
import { DAO_ID_PATTERN } from '@datawell/contracts';
import type { InfrastructureDto, JobDto, JobLogLineDto, TofuStatesDto } from './provisioning.dto';
import { ProvisionerError } from './provisioning.errors';
import type { BullJobQueue } from './job-queue.adapter';
import type { JobRow, ProvisioningRepository, VersionRow } from './provisioning.repository';
import { workspaceName } from './spec';
import { workloadProcesses } from './workload-files.adapter';
import { mpcNodeViewOf, readingsPublicKeyOf } from './mpc-mesh.adapter';

// What the routes take (the controller documents them from these).
export const daoIdInput = z.string().regex(DAO_ID_PATTERN);
export const versionInput = z.coerce.number().int().min(1).max(9999);
export const jobIdInput = z.string().min(1).max(300);
export const afterInput = z.coerce.number().int().min(0).default(0);

const isMember = (v: VersionRow, mspId: string) => v.members.some((m) => m.mspId === mspId);

/**
 * What callers may read of the provisioner, over HTTP and gRPC: the jobs and infrastructure of the
 * DAO versions their organisation is a member of (the members VersionCreated listed). To anyone else
 * a job or a version answers exactly as an unknown id does (404, same code and message): ids cannot be probed.
 */
export class ProvisioningView {
  constructor(
    private readonly repository: ProvisioningRepository,
    private readonly queue: Pick<BullJobQueue, 'state'>,
    /** The PostgreSQL schema of the OpenTofu backend's states. */
    private readonly tofuPgSchema: string,
  ) {}

  async jobs(viewer: string): Promise<JobDto[]> {
    return Promise.all((await this.repository.jobsOfMember(viewer)).map((j) => this.#job(j)));
  }

  async job(viewer: string, id: unknown): Promise<JobDto> {
    return this.#job(await this.#visibleJob(viewer, id));
  }

  async logs(viewer: string, id: unknown, after: unknown): Promise<JobLogLineDto[]> {
    const parsed = afterInput.safeParse(after);
    if (!parsed.success) throw new ProvisionerError('INVALID_ARGUMENT', 'after must be a non-negative integer');
    const job = await this.#visibleJob(viewer, id);
    return this.repository.logs(job.id, parsed.data);
  }

  async infrastructure(viewer: string, daoIdRaw: unknown, versionRaw: unknown): Promise<InfrastructureDto> {
    const daoId = daoIdInput.safeParse(daoIdRaw);
    const version = versionInput.safeParse(versionRaw);
    if (!daoId.success || !version.success) throw new ProvisionerError('INVALID_ARGUMENT', 'daoId must be a DAO id and version an integer 1-9999');
    const { repository, tofuPgSchema } = this;
    const desired = await repository.version(daoId.data, version.data);
    if (!desired || !isMember(desired, viewer)) throw new ProvisionerError('VERSION_NOT_FOUND', `no infrastructure for DAO ${daoId.data} version ${version.data}`);
    const workspace = workspaceName(desired.daoId, desired.version);
    const workloads = await repository.workloads(desired.daoId, desired.version);
    return {
      daoId: desired.daoId,
      version: desired.version,
      revision: desired.revision,
      status: desired.status,
      workspace,
      stateSerial: await repository.tofuStateSerial(tofuPgSchema, workspace),
      outputsDigest: desired.outputsDigest,
      removedMembers: [...desired.removedMembers],
      dissolved: desired.dissolved,
      workloads: workloads.map((w) => {
        const p = workloadProcesses(w.dir);
        return {
          workloadId: w.workloadId,
          name: w.name,
          owner: w.owner,
          kind: w.kind,
          status: w.status === 'destroyed' ? 'destroyed' : p.running ? 'running' : 'stopped',
          supervisorPid: w.status === 'destroyed' ? null : p.supervisorPid,
          workloadPid: w.status === 'destroyed' ? null : p.workloadPid,
          publicKeyPem: w.publicKeyPem,
          // What IoT producers seal the owner's readings to (libs/iot); null for workloads that have none.
          readingsPublicKeyPem: w.status === 'destroyed' ? null : readingsPublicKeyOf(w.dir),
          // An MPC node: where the coordinator reaches it and the certificates it is pinned by (public material).
          mpc: w.status === 'destroyed' ? null : mpcNodeViewOf(w.dir),
        };
      }),
    };
  }

  /** How many OpenTofu states the backend holds for the viewer's DAO versions (others' are not its business). */
  async states(viewer: string): Promise<TofuStatesDto> {
    const schema = this.tofuPgSchema;
    const workspaces = (await this.repository.versionsOfMember(viewer)).map((v) => workspaceName(v.daoId, v.version));
    return { schema, count: await this.repository.tofuStateCount(schema, workspaces) };
  }

  async #visibleJob(viewer: string, idRaw: unknown): Promise<JobRow> {
    const id = jobIdInput.safeParse(idRaw);
    if (!id.success) throw new ProvisionerError('INVALID_ARGUMENT', 'id must be a job id');
    const { repository } = this;
    const job = await repository.job(id.data);
    const version = job && (await repository.version(job.daoId, job.version));
    if (!job || !version || !isMember(version, viewer)) throw new ProvisionerError('JOB_NOT_FOUND', `no job ${id.data}`);
    return job;
  }

  async #job(j: JobRow): Promise<JobDto> {
    const queued = await this.queue.state(j.id).catch(() => undefined);
    return {
      id: j.id,
      kind: j.kind,
      daoId: j.daoId,
      version: j.version,
      state: j.state,
      ...(queued ? { queueState: queued.state } : {}),
      progress: j.progress,
      attempts: j.attempts,
      error: j.error,
      createdAt: j.createdAt,
      finishedAt: j.finishedAt,
    };
  }
}
