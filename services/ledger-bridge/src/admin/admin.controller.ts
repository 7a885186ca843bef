import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, OperatorAdmin, type Principal } from '@datawell/auth';
import { DAO, DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/contracts';
import { zodBody, zodResponse, ZodParams } from '@datawell/service-platform';
import { z } from 'zod';
import { AdminError } from './admin.errors';
import { networkViewSchema, participantListingSchema, participantRecordSchema } from './admin.responses';
import { AdminService, CHANNEL_NAME, channelRequest, OPERATOR_MSP, participantRequest, sanctionRequest, signedAgreementRequest, type DaoVersionRecord, type NetworkView, type ParticipantListing, type ParticipantRecord } from './admin.service';

export const ADMIN_SERVICE = Symbol('ADMIN_SERVICE');

/**
 * The operator's network administration (onboarding, DAO versions), served by the ledger bridge:
 * only to the operator's administrators. A DAO version's state is its members': each reads it as itself.
 */
@ApiTags('admin')
@Controller('admin')
export class AdminController {
  constructor(@Inject(ADMIN_SERVICE) private readonly admin: AdminService) {}

  @Post('participants')
  @OperatorAdmin()
  @ApiOperation({ summary: 'Onboard an organisation (operator administrators only)' })
  @ApiBody(zodBody('ParticipantOnboarding', participantRequest))
  @ApiCreatedResponse(zodResponse('ParticipantRecord', participantRecordSchema))
  onboard(@Body() body: unknown): Promise<ParticipantRecord> {
    return this.admin.onboardParticipant(body);
  }

  @Get('participants')
  @OperatorAdmin()
  @ApiOperation({ summary: 'The participants the marketplace chaincode registered, with their status and sanction (operator administrators only)' })
  @ApiOkResponse(zodResponse('ParticipantListing', participantListingSchema))
  participants(): Promise<ParticipantListing> {
    return this.admin.listParticipants();
  }

  @Get('network')
  @OperatorAdmin()
  @ApiOperation({
    summary:
      "The network the operator's orderers serve: each channel with its orderers' status and what its latest config block says (organisations, orderer organisations, consenters), the orderers, and the organisations' peers as the operator knows them from public material; no ledger state is read (operator administrators only)",
  })
  @ApiOkResponse(zodResponse('NetworkView', networkViewSchema))
  network(): Promise<NetworkView> {
    return this.admin.network();
  }

  @Post('participants/:mspId/suspension')
  @OperatorAdmin()
  @ApiOperation({ summary: 'Suspend a participant, with a reason (operator administrators only): it posts no offers, opens no negotiations and joins no DAOs until reinstated' })
  @ZodParams({ mspId: z.string().regex(MSP_ID_PATTERN) })
  @ApiBody(zodBody('Sanction', sanctionRequest))
  @ApiCreatedResponse(zodResponse('ParticipantRecord', participantRecordSchema))
  suspend(@Param('mspId') mspId: string, @Body() body: unknown): Promise<ParticipantRecord> {
    return this.admin.sanctionParticipant(mspId, body, true);
  }

  @Post('participants/:mspId/reinstatement')
  @OperatorAdmin()
  @ApiOperation({ summary: 'Lift a participant’s suspension, with a reason (operator administrators only)' })
  @ZodParams({ mspId: z.string().regex(MSP_ID_PATTERN) })
  @ApiBody(zodBody('Sanction', sanctionRequest))
  @ApiCreatedResponse(zodResponse('ParticipantRecord', participantRecordSchema))
  reinstate(@Param('mspId') mspId: string, @Body() body: unknown): Promise<ParticipantRecord> {
    return this.admin.sanctionParticipant(mspId, body, false);
  }

  @Post('dao-versions')
  @OperatorAdmin()
  @ApiOperation({ summary: 'Create a DAO version from an agreement (operator administrators only)' })
  @ApiBody(zodBody('SignedAgreement', signedAgreementRequest, 'the agreement (daoId, version, members…; the dao chaincode validates all of it) and its members\' acceptance signatures'))
  createVersion(@Body() body: unknown): Promise<DaoVersionRecord> {
    return this.admin.createDaoVersion(body);
  }

  @Post('channels')
  @OperatorAdmin()
  @ApiOperation({ summary: 'Relay the events of an existing channel (operator administrators only)' })
  @ApiBody(zodBody('ChannelRegistration', channelRequest))
  registerChannel(@Body() body: unknown): Promise<{ name: string; chaincodes: string[] }> {
    return this.admin.registerChannel(body);
  }

  @Get('channels/:name/members')
  @Authenticated('participantOrOperatorAdmin')
  @ApiOperation({ summary: "A channel's member organisations, read as the caller's organisation: a member, or the operator's administrator for channels the operator is in (CHANNEL_NOT_FOUND otherwise)" })
  @ZodParams({ name: z.string().regex(CHANNEL_NAME) })
  async members(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<{ channel: string; members: string[] }> {
    return { channel: name, members: await this.admin.channelMembers(name, principal.role === 'OPERATOR' ? OPERATOR_MSP : principal.mspId) };
  }

  @Get('daos/:daoId/versions/:version/:what')
  @Authenticated()
  @ApiOperation({ summary: "A DAO version's state or entitlements, read as the caller's organisation: its members only (VERSION_NOT_FOUND to anyone else)" })
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), version: z.string().regex(/^\d{1,4}$/), what: z.enum(['state', 'entitlements']) })
  read(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('what') what: string): Promise<unknown> {
    // Not a lookup in an object literal: `constructor` or `__proto__` would find Object's own members.
    const fn = what === 'state' ? DAO.tx.GetVersion : what === 'entitlements' ? DAO.tx.GetEntitlements : undefined;
    if (!fn || !/^\d{1,4}$/.test(version)) throw new AdminError('INVALID_REQUEST', 'expected /admin/daos/<daoId>/versions/<n>/(state|entitlements)');
    return this.admin.evaluateDao(daoId, Number(version), fn, principal.mspId);
  }
}
