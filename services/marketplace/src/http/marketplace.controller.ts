import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { DaosService } from '../daos/daos.service';
import { FeedbackService } from '../feedback/feedback.service';
import { OffersService } from '../offers/offers.service';
import { ParticipantsService } from '../participants/participants.service';
import { AcceptedDto, ErrorDto, FeedbackDto, IdentityRequestDto, OfferCommandDto, OfferDto, OfferPatchDto, OfferSearchDto, OfferViewDto, ParticipantDto, RegistrationDto, RevenueDto } from './dtos';

@ApiTags('participants')
@Controller('participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Register an organisation (self-service); the operator’s bridge onboards it and enrolls its first identity' })
  @ApiBody({ type: RegistrationDto })
  @ApiAcceptedResponse({ type: AcceptedDto })
  register(@Body() body: unknown) {
    return this.participants.register(body);
  }

  @Get(':mspId')
  @ApiOperation({ summary: 'A participant: status, role, reputation and offers' })
  @ApiOkResponse({ type: ParticipantDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@Param('mspId') mspId: string) {
    return this.participants.get(mspId);
  }

  @Post(':mspId/identities')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Enroll another user of the caller’s organisation' })
  @ApiBody({ type: IdentityRequestDto })
  enroll(@CurrentPrincipal() principal: Principal, @Param('mspId') mspId: string, @Body() body: unknown) {
    return this.participants.enroll(principal, mspId, body);
  }

  @Get(':mspId/identities/:enrollmentId')
  @ApiOperation({ summary: 'An identity being enrolled: poll until status is enrolled, then use certificatePem' })
  identity(@Param('mspId') mspId: string, @Param('enrollmentId') enrollmentId: string) {
    return this.participants.identity(mspId, enrollmentId);
  }
}

@ApiTags('offers')
@Controller('offers')
export class OffersController {
  constructor(private readonly offers: OffersService) {}

  @Post()
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Post an offer (data offers by DSPs, value offers by VSPs); it opens when the ledger records it' })
  @ApiBody({ type: OfferDto })
  @ApiAcceptedResponse({ type: OfferCommandDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  post(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.offers.post(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'Browse and search offers: q (full text), role, kind, tags, owner, minReputation (0-5), status, limit, offset' })
  @ApiQuery({ name: 'q', required: false, description: 'full text, websearch syntax' })
  @ApiQuery({ name: 'role', required: false, enum: ['DSP', 'VSP'] })
  @ApiQuery({ name: 'kind', required: false, enum: ['data', 'value'] })
  @ApiQuery({ name: 'tags', required: false, description: 'comma-separated; every tag must match' })
  @ApiQuery({ name: 'owner', required: false, description: 'MSP id' })
  @ApiQuery({ name: 'minReputation', required: false, type: Number, description: '0-5' })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'withdrawn'] })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-100, default 20' })
  @ApiQuery({ name: 'offset', required: false, type: Number, description: '0-10000' })
  @ApiOkResponse({ type: OfferSearchDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  search(@Query() query: Record<string, unknown>) {
    return this.offers.search(query);
  }

  @Get(':offerId')
  @ApiOperation({ summary: 'An offer (also submitted and failed ones)' })
  @ApiOkResponse({ type: OfferViewDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@Param('offerId') offerId: string) {
    return this.offers.get(offerId);
  }

  @Patch(':offerId')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Change an open offer (owner only)' })
  @ApiBody({ type: OfferPatchDto })
  @ApiAcceptedResponse({ type: OfferCommandDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  update(@CurrentPrincipal() principal: Principal, @Param('offerId') offerId: string, @Body() body: unknown) {
    return this.offers.update(principal, offerId, body);
  }

  @Delete(':offerId')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Withdraw an open offer (owner only)' })
  @ApiAcceptedResponse({ type: OfferCommandDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  withdraw(@CurrentPrincipal() principal: Principal, @Param('offerId') offerId: string) {
    return this.offers.withdraw(principal, offerId);
  }
}

@ApiTags('feedback')
@Controller('feedback')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post()
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Rate another member of a DAO you share (1-5, comment kept off-chain)' })
  @ApiBody({ type: FeedbackDto })
  submit(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.feedback.submit(principal, body);
  }
}

@ApiTags('daos')
@Controller('daos')
export class DaosController {
  constructor(private readonly daos: DaosService) {}

  @Get(':daoId')
  @ApiOperation({ summary: 'A DAO: versions, channels, members with status' })
  get(@Param('daoId') daoId: string) {
    return this.daos.get(daoId);
  }

  @Get(':daoId/entitlements')
  @ApiOperation({ summary: 'Per member: the sum of its payouts over the DAO’s channels (decimal strings)' })
  entitlements(@Param('daoId') daoId: string) {
    return this.daos.entitlements(daoId);
  }

  @Post(':daoId/revenue')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Record revenue on the top channel (an active member of the top version)' })
  @ApiBody({ type: RevenueDto })
  revenue(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Body() body: unknown) {
    return this.daos.recordRevenue(principal, daoId, body);
  }
}
