import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { DaoTelemetryDto, ErrorDto, WorkloadLiveDto } from './live-view.dto';
import { DAO_ID_PATTERN } from '@datawell/contracts';
import { LiveViewService, WORKLOAD_ID } from './live-view.service';

@ApiTags('telemetry')
@Controller()
@Authenticated()
export class LiveViewController {
  constructor(private readonly live: LiveViewService) {}

  @Get('workloads')
  @ApiOperation({ summary: "Every workload of the caller's DAO versions with its latest verified heartbeat and health" })
  @ApiOkResponse({ type: [WorkloadLiveDto] })
  workloads(@CurrentPrincipal() principal: Principal): Promise<WorkloadLiveDto[]> {
    return this.live.workloads(principal.mspId);
  }

  @Get('workloads/:id')
  @ApiOperation({ summary: 'One workload (its newest DAO version when registered on several)' })
  @ApiParam({ name: 'id', example: 'vsp1-mpc', schema: { type: 'string', pattern: WORKLOAD_ID.source } })
  @ApiOkResponse({ type: WorkloadLiveDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'WORKLOAD_NOT_FOUND: unknown, or of a DAO version the caller is not a member of' })
  workload(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<WorkloadLiveDto> {
    return this.live.workload(principal.mspId, id);
  }

  @Get('daos/:daoId/telemetry')
  @ApiOperation({ summary: "A DAO's telemetry per version and member: last heartbeat, recorded snapshots, abandonment" })
  @ApiParam({ name: 'daoId', example: 'acme', schema: { type: 'string', pattern: DAO_ID_PATTERN.source } })
  @ApiOkResponse({ type: DaoTelemetryDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'DAO_NOT_FOUND: unknown, or the caller is a member of none of its versions' })
  daoTelemetry(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string): Promise<DaoTelemetryDto> {
    return this.live.daoTelemetry(principal.mspId, daoId);
  }
}
