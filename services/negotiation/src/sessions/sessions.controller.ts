import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiCreatedResponse, ApiQuery, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { zodBody, zodResponse } from '@datawell/service-platform';
import { SuggestionsService } from '../suggestions/suggestions.service';
import { ErrorBody } from './sessions.dto';
import { agreementToSignSchema, betaAdviceResponseSchema, betaSuggestionResponseSchema, historyEntriesSchema, sessionSummariesSchema, sessionViewSchema } from './sessions.responses';
import { SessionsService } from './sessions.service';
import { DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/contracts';
import { acceptanceSchema, createSessionSchema, PPM, signedProposalSchema } from './proposal.schema';

@ApiTags('sessions')
@Authenticated()
@ApiBadRequestResponse({ type: ErrorBody, description: 'INVALID_REQUEST, INVALID_PROPOSAL, OWNERSHIP_INCONSISTENT, …' })
@ApiPayloadTooLargeResponse({ type: ErrorBody, description: 'PAYLOAD_TOO_LARGE' })
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @ApiOperation({ summary: 'Open a formation session (a DSP) or a join session (a joining VSP)' })
  @ApiBody(zodBody('CreateSession', createSessionSchema))
  @ApiCreatedResponse(zodResponse('SessionView', sessionViewSchema))
  @ApiForbiddenResponse({ type: ErrorBody })
  @ApiConflictResponse({ type: ErrorBody, description: 'DAO_EXISTS, DAO_NOT_ACTIVE, ALREADY_MEMBER' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.sessions.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's sessions (it is a party of; at most 100, latest change first)" })
  @ApiOkResponse(zodResponse('SessionSummaries', sessionSummariesSchema))
  list(@CurrentPrincipal() principal: Principal) {
    return this.sessions.list(principal);
  }

  @Post(':id/proposals')
  @ApiOperation({ summary: 'Propose (or counter-propose) the full agreement, signed by the enrolled key over {sessionId, answers, proposal}: a new revision, acceptances cleared' })
  @ApiBody(zodBody('SignedProposal', signedProposalSchema))
  @ApiCreatedResponse(zodResponse('SessionView', sessionViewSchema))
  @ApiForbiddenResponse({ type: ErrorBody, description: 'CERTIFICATE_MISMATCH' })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'SESSION_NOT_FOUND: unknown, or the caller is not a party' })
  @ApiConflictResponse({ type: ErrorBody, description: 'SESSION_TERMINATED (expired or failed; the reason in the message), SESSION_CLOSED (agreed), STALE_REVISION' })
  propose(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.sessions.propose(principal, id, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The session: parties, current proposal and agreement, acceptances' })
  @ApiOkResponse(zodResponse('SessionView', sessionViewSchema))
  @ApiNotFoundResponse({ type: ErrorBody, description: 'SESSION_NOT_FOUND: unknown, or the caller is not a party' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.sessions.view(principal, id);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'Every change: created, proposed, accepted, agreed, formed, finalized, failed, terminated — who, when and the state it led to' })
  @ApiOkResponse(zodResponse('HistoryEntries', historyEntriesSchema))
  history(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.sessions.history(principal, id);
  }

  @Get(':id/agreement')
  @ApiOperation({ summary: 'The agreement of the current revision (InitVersion argument) and its canonical bytes to sign' })
  @ApiOkResponse(zodResponse('AgreementToSign', agreementToSignSchema))
  @ApiConflictResponse({ type: ErrorBody, description: 'NO_PROPOSAL' })
  agreement(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.sessions.agreement(principal, id);
  }

  @Post(':id/acceptances')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept the current revision with a signature by the enrolled key; the last needed acceptance publishes AgreementReached' })
  @ApiBody(zodBody('Acceptance', acceptanceSchema))
  @ApiOkResponse(zodResponse('SessionView', sessionViewSchema))
  @ApiForbiddenResponse({ type: ErrorBody, description: 'CERTIFICATE_MISMATCH' })
  @ApiConflictResponse({ type: ErrorBody, description: 'STALE_REVISION, SESSION_TERMINATED, SESSION_CLOSED, NO_PROPOSAL' })
  accept(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.sessions.accept(principal, id, body);
  }
}

/** Comma-separated MSP ids, as betaAdviceSchema parses `joiners`. */
const MSP_ID = MSP_ID_PATTERN.source.replace(/^\^|\$$/g, '');
const JOINERS_PATTERN = `^${MSP_ID}(,${MSP_ID})*$`;

@ApiTags('suggestions')
@Authenticated()
@Controller('suggestions')
export class SuggestionsController {
  constructor(private readonly suggestions: SuggestionsService) {}

  @Get('beta')
  @ApiOperation({ summary: 'β for a joiner from a target ownership (daoId, targetOwnershipPpm), or β\'s of a formation from shares' })
  @ApiOkResponse(zodResponse('BetaSuggestion', betaSuggestionResponseSchema))
  // As betaSuggestionSchema parses them; which combination is needed (daoId with targetOwnershipPpm, or
  // shares, or targetOwnershipPpm alone) is checked by the service: OpenAPI 3.0 cannot say it of parameters.
  @ApiQuery({ name: 'daoId', required: false, description: 'a join: the existing DAO (with targetOwnershipPpm)', schema: { type: 'string', pattern: DAO_ID_PATTERN.source } })
  @ApiQuery({ name: 'targetOwnershipPpm', required: false, description: "the joiner's target ownership, in ppm", schema: { type: 'integer', minimum: 1, maximum: PPM - 1 } })
  @ApiQuery({ name: 'shares', required: false, description: "a formation: the DSP group's and J1's shares, comma-separated ppm or decimals", schema: { type: 'string', maxLength: 1024 } })
  @ApiBadRequestResponse({ type: ErrorBody })
  beta(@Query() query: Record<string, string>) {
    return this.suggestions.beta(query);
  }

  @Get('beta/advice')
  @ApiOperation({
    summary: "The β advisor for a join: the β that keeps the DAO's ownership on a Pareto curve fitted to its current shares, every member's resulting ownership, the DSP's margin, and warnings (a joiner becoming the largest owner)",
  })
  @ApiOkResponse(zodResponse('BetaAdvice', betaAdviceResponseSchema))
  @ApiQuery({ name: 'daoId', required: true, description: 'the DAO joined (its current version in the read model)', schema: { type: 'string', pattern: DAO_ID_PATTERN.source } })
  @ApiQuery({ name: 'joiners', required: false, description: 'the joining VSPs, comma-separated MSP ids (default: the caller)', schema: { type: 'string', maxLength: 2048, pattern: JOINERS_PATTERN } })
  @ApiQuery({ name: 'betaPpm', required: false, description: 'a proposed β to evaluate beside the advised one, ppm', schema: { type: 'integer', minimum: 1, maximum: PPM - 1 } })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'INVALID_REQUEST, INVALID_PARAMETER' })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'DAO_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorBody, description: 'DAO_NOT_ACTIVE, ALREADY_MEMBER' })
  advice(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, string>) {
    return this.suggestions.advice(principal, query);
  }
}
