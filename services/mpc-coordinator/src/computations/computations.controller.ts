import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdmitWorkloads, Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { zodBody, ZodParams } from '@datawell/service-platform';
import { computationRequestSchema, nodeRegistrationRequestSchema, versionRouteParams } from './authorization';
import { invalid } from './computations.errors';
import { ComputationDto, ComputationErrorDto, NodeDto } from './computations.dto';
import { ComputationsService } from './computations.service';

/** The part of Express's response used here (its types are not a dependency). */
interface Response {
  status(code: number): Response;
  json(body: unknown): void;
}

@ApiTags('computations')
@Controller()
@Authenticated()
export class ComputationsController {
  constructor(@Inject(ComputationsService) private readonly computations: ComputationsService) {}

  @Post('computations')
  @ApiOperation({ summary: 'Ask for an allowed computation on a DAO version; 202 when queued, 200 for a known request id' })
  @ApiBody(zodBody('ComputationRequest', computationRequestSchema))
  @ApiAcceptedResponse({ type: ComputationDto })
  @ApiForbiddenResponse({ type: ComputationErrorDto, description: 'FORBIDDEN: no longer an active member, computation or recipients not allowed' })
  @ApiNotFoundResponse({ type: ComputationErrorDto, description: 'VERSION_NOT_FOUND: unknown, or the caller is not a member' })
  async request(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<ComputationDto> {
    const { computation, created } = await this.computations.request(principal.mspId, body, principal.enrollmentId);
    res.status(created ? 202 : 200);
    return computation as ComputationDto;
  }

  @Get('computations/:id')
  @ApiOperation({ summary: "A computation's status and progress (members of its DAO version)" })
  @ApiOkResponse({ type: ComputationDto })
  @ApiNotFoundResponse({ type: ComputationErrorDto, description: 'COMPUTATION_NOT_FOUND: unknown, or of a version the caller is not a member of' })
  async status(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ComputationDto> {
    return (await this.computations.status(principal.mspId, id)) as ComputationDto;
  }

  @Get('computations/:id/result')
  @ApiOperation({
    summary:
      "Where a computation's result is (its recipients only): never here. The coordinator keeps no result, so this route never answers 200: it points a recipient of a completed computation at its own ledger bridge",
  })
  @ApiForbiddenResponse({ type: ComputationErrorDto, description: 'FORBIDDEN: not a recipient' })
  @ApiConflictResponse({
    type: ComputationErrorDto,
    description:
      "RESULT_NOT_READY: queued, running or failed. RESULT_IN_RECIPIENT_DOMAIN: completed, but its result went only to the recipients' nodes in their own domains (the coordinator never had it): fetch it from your own ledger bridge at GET /daos/<daoId>/versions/<v>/computations/<id>/result",
  })
  async result(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<never> {
    return this.computations.result(principal.mspId, id);
  }

  @Put('daos/:daoId/versions/:version/nodes')
  // A node in its member's domain registers itself with its own identity (a workload's).
  @AdmitWorkloads()
  @HttpCode(200)
  @ApiTags('nodes')
  @ApiOperation({
    summary:
      "Register (or move) the caller's MPC node of a DAO version: its party index and control API, and for a node in the member's own domain its certificate (pinned; it must chain to the caller's CA in the identity directory). Also for a version known only from the marketplace's public directory (the caller a listed member)",
  })
  @ZodParams(versionRouteParams)
  @ApiBody(zodBody('NodeRegistration', nodeRegistrationRequestSchema))
  @ApiOkResponse({ type: NodeDto })
  @ApiBadRequestResponse({ type: ComputationErrorDto, description: "INVALID_REQUEST: a field that does not fit (partyIndex not below the member count or another member's, a certificatePem that is not one certificate of the caller's CA)" })
  @ApiNotFoundResponse({ type: ComputationErrorDto, description: 'VERSION_NOT_FOUND: unknown, or the caller is not a member' })
  async registerNode(
    @CurrentPrincipal() principal: Principal,
    @Param('daoId') daoId: string,
    @Param('version') version: string,
    @Body() body: unknown,
  ): Promise<NodeDto> {
    const route = versionRoute(daoId, version);
    return (await this.computations.registerNode(principal.mspId, route.daoId, route.version, body)) as NodeDto;
  }

  @Get('daos/:daoId/versions/:version/nodes')
  @ApiTags('nodes')
  @ApiOperation({ summary: "The version's MPC nodes and their last known preprocessing stock (members)" })
  @ZodParams(versionRouteParams)
  @ApiOkResponse({ type: [NodeDto] })
  @ApiNotFoundResponse({ type: ComputationErrorDto, description: 'VERSION_NOT_FOUND: unknown, or the caller is not a member' })
  async nodes(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string): Promise<NodeDto[]> {
    const route = versionRoute(daoId, version);
    return (await this.computations.nodesOf(principal.mspId, route.daoId, route.version)) as NodeDto[];
  }
}

/** A DAO version's route parameters, validated (400 INVALID_REQUEST) before any store is asked. */
function versionRoute(daoId: string, version: string): { daoId: string; version: number } {
  const parsed = { daoId: versionRouteParams.daoId.safeParse(daoId), version: versionRouteParams.version.safeParse(version) };
  if (!parsed.daoId.success) throw invalid(`daoId: ${parsed.daoId.error.issues[0]!.message}`);
  if (!parsed.version.success) throw invalid(`version: ${parsed.version.error.issues[0]!.message}`);
  return { daoId: parsed.daoId.data, version: parsed.version.data };
}
