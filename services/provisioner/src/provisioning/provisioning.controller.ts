import { Controller, Get, HttpException, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { InfrastructureDto, JobDto, JobLogLineDto, TofuStatesDto } from './provisioning.dto';
import { ProvisionerRuntime } from './provisioner.runtime';
import type { JobRow } from './provisioning.repository';
import { workspaceName } from './spec';
import { workloadProcesses } from './workload-files.adapter';

const fail = (status: HttpStatus, code: string, message: string) => new HttpException({ code, message }, status);
const daoIdParam = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/);
const versionParam = z.coerce.number().int().min(1).max(9999);
const afterParam = z.coerce.number().int().min(0).default(0);

@ApiTags('provisioning')
@Controller()
export class ProvisioningController {
  constructor(private readonly runtime: ProvisionerRuntime) {}

  @Get('jobs')
  @ApiOperation({ summary: 'Provisioning jobs, newest first' })
  @ApiOkResponse({ type: [JobDto] })
  async jobs(): Promise<JobDto[]> {
    return Promise.all((await this.runtime.repository.jobs()).map((j) => this.#job(j)));
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'One job: state, progress, error' })
  @ApiOkResponse({ type: JobDto })
  @ApiNotFoundResponse({ description: 'JOB_NOT_FOUND' })
  async job(@Param('id') id: string): Promise<JobDto> {
    const job = await this.runtime.repository.job(id);
    if (!job) throw fail(HttpStatus.NOT_FOUND, 'JOB_NOT_FOUND', `no job ${id}`);
    return this.#job(job);
  }

  @Get('jobs/:id/logs')
  @ApiOperation({ summary: "A job's log lines (OpenTofu output), after `after`" })
  @ApiQuery({ name: 'after', required: false, description: 'only lines with a larger seq' })
  @ApiOkResponse({ type: [JobLogLineDto] })
  async logs(@Param('id') id: string, @Query('after') after?: string): Promise<JobLogLineDto[]> {
    const parsed = afterParam.safeParse(after);
    if (!parsed.success) throw fail(HttpStatus.BAD_REQUEST, 'INVALID_ARGUMENT', 'after must be a non-negative integer');
    if (!(await this.runtime.repository.job(id))) throw fail(HttpStatus.NOT_FOUND, 'JOB_NOT_FOUND', `no job ${id}`);
    return this.runtime.repository.logs(id, parsed.data);
  }

  @Get('daos/:daoId/versions/:version/infrastructure')
  @ApiOperation({ summary: "A DAO version's infrastructure: workloads, their processes, the workspace's state serial" })
  @ApiOkResponse({ type: InfrastructureDto })
  @ApiNotFoundResponse({ description: 'VERSION_NOT_FOUND' })
  async infrastructure(@Param('daoId') daoIdRaw: string, @Param('version') versionRaw: string): Promise<InfrastructureDto> {
    const daoId = daoIdParam.safeParse(daoIdRaw);
    const version = versionParam.safeParse(versionRaw);
    if (!daoId.success || !version.success) throw fail(HttpStatus.BAD_REQUEST, 'INVALID_ARGUMENT', 'daoId must be a DAO id and version an integer 1-9999');
    const { repository, settings } = this.runtime;
    const desired = await repository.version(daoId.data, version.data);
    if (!desired) throw fail(HttpStatus.NOT_FOUND, 'VERSION_NOT_FOUND', `no infrastructure for DAO ${daoId.data} version ${version.data}`);
    const workspace = workspaceName(desired.daoId, desired.version);
    const workloads = await repository.workloads(desired.daoId, desired.version);
    return {
      daoId: desired.daoId,
      version: desired.version,
      revision: desired.revision,
      status: desired.status,
      workspace,
      stateSerial: await repository.tofuStateSerial(settings.tofuPgSchema, workspace),
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
        };
      }),
    };
  }

  @Get('tofu/states')
  @ApiOperation({ summary: 'How many workspace states the OpenTofu pg backend holds' })
  @ApiOkResponse({ type: TofuStatesDto })
  async states(): Promise<TofuStatesDto> {
    const schema = this.runtime.settings.tofuPgSchema;
    return { schema, count: await this.runtime.repository.tofuStateCount(schema) };
  }

  async #job(j: JobRow): Promise<JobDto> {
    const queued = await this.runtime.queue.state(j.id).catch(() => undefined);
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
