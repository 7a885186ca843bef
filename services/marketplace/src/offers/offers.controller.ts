import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { newOfferSchema, offerDescriptionSchema, offerPatchSchema } from '@datawell/contracts';
import { ErrorDto } from '../common.dto';
import { zodBody, ZodParams } from '@datawell/service-platform';
import { idSchema, MSP_ID_SCHEMA_PATTERN } from '../validation';
import { OfferCommandDto, OfferSearchDto, OfferViewDto } from './offers.dto';
import { OffersService } from './offers.service';

@ApiTags('offers')
@Controller('offers')
export class OffersController {
  constructor(private readonly offers: OffersService) {}

  @Post()
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Post an offer (data offers by DSPs, value offers by VSPs); it opens when the ledger records it' })
  @ApiBody(zodBody('NewOffer', newOfferSchema))
  @ApiAcceptedResponse({ type: OfferCommandDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  post(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.offers.post(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'Browse and search offers: q (full text), role, kind, tags, owner, minReputation (0-5, decayed to now), suspended, status, limit, offset' })
  // As searchQuerySchema parses them (a query string's values are text; numbers are decimal).
  @ApiQuery({ name: 'q', required: false, description: 'full text, websearch syntax', schema: { type: 'string', maxLength: 256 } })
  @ApiQuery({ name: 'role', required: false, enum: ['DSP', 'VSP'] })
  @ApiQuery({ name: 'kind', required: false, enum: ['data', 'value'] })
  @ApiQuery({
    name: 'tags',
    required: false,
    description: 'comma-separated; every tag must match',
    style: 'form',
    explode: false,
    schema: { type: 'array', maxItems: 20, items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$' } },
  })
  @ApiQuery({ name: 'owner', required: false, description: 'MSP id', schema: { type: 'string', pattern: MSP_ID_SCHEMA_PATTERN } })
  @ApiQuery({ name: 'minReputation', required: false, description: "the owner's score decayed to now (a participant nobody rated scores 3)", schema: { type: 'number', minimum: 0, maximum: 5 } })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'withdrawn'] })
  @ApiQuery({ name: 'suspended', required: false, description: "the owner's sanction: true only suspended owners, false only owners in good standing; absent: both", enum: ['true', 'false'] })
  @ApiQuery({ name: 'limit', required: false, description: 'default 20', schema: { type: 'integer', minimum: 1, maximum: 100 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, maximum: 10000 } })
  @ApiOkResponse({ type: OfferSearchDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  search(@Query() query: Record<string, unknown>) {
    return this.offers.search(query);
  }

  @Get(':offerId')
  @ApiOperation({ summary: 'An offer (also submitted and failed ones)' })
  @ZodParams({ offerId: idSchema })
  @ApiOkResponse({ type: OfferViewDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@Param('offerId') offerId: string) {
    return this.offers.get(offerId);
  }

  @Patch(':offerId')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Change an open offer (owner only)' })
  @ZodParams({ offerId: idSchema })
  @ApiBody(zodBody('OfferPatch', offerPatchSchema, 'any of the fields but the kind, at least one'))
  @ApiAcceptedResponse({ type: OfferCommandDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  update(@CurrentPrincipal() principal: Principal, @Param('offerId') offerId: string, @Body() body: unknown) {
    return this.offers.update(principal, offerId, body);
  }

  @Put(':offerId/description')
  @Authenticated()
  @ApiOperation({
    summary:
      "Give the catalogue the text of your offer's description (owner only): an offer posted through your own ledger bridge reaches the ledger with the description's SHA-256 alone; the text must hash to the digest the ledger holds now (409 DESCRIPTION_DIGEST_MISMATCH otherwise)",
  })
  @ZodParams({ offerId: idSchema })
  @ApiBody(zodBody('OfferDescription', offerDescriptionSchema))
  @ApiOkResponse({ type: OfferViewDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto })
  describe(@CurrentPrincipal() principal: Principal, @Param('offerId') offerId: string, @Body() body: unknown) {
    return this.offers.describe(principal, offerId, body);
  }

  @Delete(':offerId')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Withdraw an open offer (owner only)' })
  @ZodParams({ offerId: idSchema })
  @ApiAcceptedResponse({ type: OfferCommandDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  withdraw(@CurrentPrincipal() principal: Principal, @Param('offerId') offerId: string) {
    return this.offers.withdraw(principal, offerId);
  }
}
