import { Body, Controller, Delete, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { idSchema, newOfferSchema, offerPatchSchema } from '@datawell/contracts';
import { zodBody, ZodParams } from '@datawell/service-platform';
import type { MemberLedger } from '../admin/member-dao';
import { MEMBER_LEDGER } from './member-dao.controller';
import { MemberOffers, type LedgerOfferView, type MemberOfferWrite } from './member-offers';

/** OpenAPI shapes of the answers (the offer as GetOffer reads it on the marketplace channel). */
class LedgerOfferDto implements LedgerOfferView {
  @ApiProperty() offerId!: string;
  @ApiProperty({ description: 'the owner’s MSP id: this organisation' }) owner!: string;
  @ApiProperty({ enum: ['data', 'value'] }) kind!: 'data' | 'value';
  @ApiProperty() title!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the kind’s public fields and the tags, as on the ledger' }) terms!: LedgerOfferView['terms'];
  @ApiProperty({ description: 'SHA-256 of the full description, which stays off the ledger' }) descriptionDigest!: string;
  @ApiProperty({ enum: ['open', 'withdrawn'] }) status!: 'open' | 'withdrawn';
  @ApiProperty({ description: '1 when posted, one more with each update or the withdrawal' }) revision!: number;
  @ApiProperty({ description: 'ms since the epoch (the transaction time)' }) createdAtMs!: number;
  @ApiProperty({ description: 'ms since the epoch (the transaction time)' }) updatedAtMs!: number;
}

class MemberOfferWriteDto implements MemberOfferWrite {
  @ApiProperty({ description: 'the marketplace-channel transaction, committed' }) txId!: string;
  @ApiProperty({ type: LedgerOfferDto }) offer!: LedgerOfferDto;
}

const offerParams = { offerId: idSchema };
const REFUSALS =
  "For this organisation's identities only (FORBIDDEN to others); NOT_A_PARTICIPANT when the marketplace has not registered it, PARTICIPANT_SUSPENDED while the marketplace's governance suspends it";

/**
 * A member domain's own API for its offers on the marketplace, as itself: the marketplace service's
 * offer routes (same bodies, same rules) for an organisation whose keys only its own domain holds.
 */
@ApiTags('member')
@Controller('offers')
export class MemberOffersController {
  readonly #offers: MemberOffers;

  constructor(@Inject(MEMBER_LEDGER) ledger: MemberLedger) {
    this.#offers = new MemberOffers(ledger);
  }

  @Post()
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({
    summary: `Post an offer (data offers by a DSP, value offers by a VSP; the marketplace's body and rules, the full description stays here and its SHA-256 goes on the ledger): PostOffer on the marketplace channel, signed by this member through its own peer; answers the transaction and the offer as the chaincode holds it, open. ${REFUSALS}; OFFER_KIND_NOT_ALLOWED for the other role's kind`,
  })
  @ApiBody(zodBody('NewOffer', newOfferSchema))
  @ApiCreatedResponse({ type: MemberOfferWriteDto })
  async post(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<MemberOfferWrite> {
    return this.#offers.post(principal, body);
  }

  @Patch(':offerId')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary: `Change one of this organisation's open offers (any field but the kind, at least one; a field of the other kind is INVALID_REQUEST): UpdateOffer on the marketplace channel, signed by this member through its own peer; answers the transaction and the offer as the chaincode then holds it (revision one more). ${REFUSALS}; OFFER_NOT_FOUND, NOT_OFFER_OWNER, OFFER_NOT_OPEN once withdrawn`,
  })
  @ZodParams(offerParams)
  @ApiBody(zodBody('OfferPatch', offerPatchSchema, 'any of the fields but the kind, at least one'))
  @ApiOkResponse({ type: MemberOfferWriteDto })
  async update(@CurrentPrincipal() principal: Principal, @Param('offerId') offerId: string, @Body() body: unknown): Promise<MemberOfferWrite> {
    return this.#offers.update(principal, offerId, body);
  }

  @Delete(':offerId')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary:
      "Withdraw one of this organisation's open offers (it stays readable, withdrawn): WithdrawOffer on the marketplace channel, signed by this member through its own peer; answers the transaction and the offer as the chaincode then holds it. For this organisation's identities only (FORBIDDEN to others); OFFER_NOT_FOUND, NOT_OFFER_OWNER, OFFER_NOT_OPEN once withdrawn",
  })
  @ZodParams(offerParams)
  @ApiOkResponse({ type: MemberOfferWriteDto })
  async withdraw(@CurrentPrincipal() principal: Principal, @Param('offerId') offerId: string): Promise<MemberOfferWrite> {
    return this.#offers.withdraw(principal, offerId);
  }
}
