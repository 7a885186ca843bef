import { Controller, Get, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { ErrorDto, InfrastructureDto, JobDto, JobLogLineDto, TofuStatesDto } from './provisioning.dto';
import { ZodParams, ZodQuery } from '@datawell/service-platform';
import { afterInput, daoIdInput, jobIdInput, ProvisioningView, versionInput } from './provisioning-view.service';

@ApiTags('provisioning')
@Controller()
export class ProvisioningController {
  constructor(private readonly view: ProvisioningView) {}

  @Get('jobs')
  @Authenticated()
  @ApiOperation({ summary: "Provisioning jobs of the caller's DAO versions, newest first" })
  @ApiOkResponse({ type: [JobDto] })
  jobs(@CurrentPrincipal() principal: Principal): Promise<JobDto[]> {
    return this.view.jobs(principal.mspId);
  }

  @Get('jobs/:id')
  @Authenticated()
  @ApiOperation({ summary: 'One job: state, progress, error' })
  @ZodParams({ id: jobIdInput })
  @ApiOkResponse({ type: JobDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'JOB_NOT_FOUND: unknown, or of a DAO version the caller is not a member of' })
  job(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<JobDto> {
    return this.view.job(principal.mspId, id);
  }

  @Get('jobs/:id/logs')
  @Authenticated()
  @ApiOperation({ summary: "A job's log lines (OpenTofu output), after `after`" })
  @ZodParams({ id: jobIdInput })
  @ZodQuery(z.object({ after: afterInput.describe('only lines with a larger seq') }))
  @ApiOkResponse({ type: [JobLogLineDto] })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'JOB_NOT_FOUND: unknown, or of a DAO version the caller is not a member of' })
  logs(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query('after') after?: string): Promise<JobLogLineDto[]> {
    return this.view.logs(principal.mspId, id, after);
  }

  @Get('daos/:daoId/versions/:version/infrastructure')
  @Authenticated()
  @ApiOperation({ summary: "A DAO version's infrastructure: workloads, their processes, the workspace's state serial" })
  @ZodParams({ daoId: daoIdInput, version: versionInput })
  @ApiOkResponse({ type: InfrastructureDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'VERSION_NOT_FOUND: unknown, or the caller is not a member' })
  infrastructure(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string): Promise<InfrastructureDto> {
    return this.view.infrastructure(principal.mspId, daoId, version);
  }

  @Get('tofu/states')
  @Authenticated()
  @ApiOperation({ summary: "How many workspace states the OpenTofu pg backend holds for the caller's DAO versions" })
  @ApiOkResponse({ type: TofuStatesDto })
  states(@CurrentPrincipal() principal: Principal): Promise<TofuStatesDto> {
    return this.view.states(principal.mspId);
  }
}
