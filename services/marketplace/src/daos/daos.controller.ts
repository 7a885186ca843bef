import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { zodBody, ZodParams, ZodQuery } from '@datawell/service-platform';
import { ErrorDto, RevenueAcceptedDto } from '../common.dto';
import { daoIdSchema } from '../validation';
import { DaoDirectoryEntryDto, DaoDirectoryListDto } from './daos.dto';
import { DaosService, directoryQuerySchema, revenueInputSchema } from './daos.service';

@ApiTags('daos')
@Controller('daos')
export class DaosController {
  constructor(private readonly daos: DaosService) {}

  @Get()
  @ApiOperation({ summary: 'The public directory entries that name a participant as a member of some published version (the DAOs it publicly belongs to), the most recently published first; no identity needed, no β, no amounts. INVALID_REQUEST without a member MSP id' })
  @ZodQuery(directoryQuerySchema)
  @ApiOkResponse({ type: DaoDirectoryListDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  list(@Query() query: Record<string, unknown>) {
    return this.daos.directoryOfMember(query);
  }

  @Get(':daoId')
  @ApiOperation({ summary: 'The public directory entry of a DAO, as its DSP published it on the marketplace channel: name, status, versions, channels, member MSP ids (no β, no amounts)' })
  @ZodParams({ daoId: daoIdSchema })
  @ApiOkResponse({ type: DaoDirectoryEntryDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@Param('daoId') daoId: string) {
    return this.daos.directoryEntry(daoId);
  }

  @Get(':daoId/state')
  @Authenticated()
  @ApiOperation({ summary: 'A DAO with β, ownership, weights and terms per version (its members only; DAO_NOT_FOUND to anyone else)' })
  @ZodParams({ daoId: daoIdSchema })
  state(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string) {
    return this.daos.get(principal, daoId);
  }

  @Get(':daoId/entitlements')
  @Authenticated()
  @ApiOperation({ summary: 'Per member: the sum of its payouts over the DAO’s channels (decimal strings); its members only' })
  @ZodParams({ daoId: daoIdSchema })
  entitlements(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string) {
    return this.daos.entitlements(principal, daoId);
  }

  @Post(':daoId/revenue')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({
    summary:
      'Record revenue on the top channel (an active member of the top version whom the terms name in revenueRecorders, or of the founding group D when they name none: else 403 NOT_REVENUE_RECORDER and nothing is sent); the ledger records it (follow the commandId)',
  })
  @ZodParams({ daoId: daoIdSchema })
  @ApiBody(zodBody('Revenue', revenueInputSchema))
  @ApiAcceptedResponse({ type: RevenueAcceptedDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto })
  revenue(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Body() body: unknown) {
    return this.daos.recordRevenue(principal, daoId, body);
  }
}
