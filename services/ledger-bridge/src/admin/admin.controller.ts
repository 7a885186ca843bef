import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, OperatorAdmin, type Principal } from '@datawell/auth';
import { DAO } from '@datawell/contracts';
import { AdminError } from './admin.errors';
import { AdminService, OPERATOR_MSP, type DaoVersionRecord, type ParticipantRecord } from './admin.service';

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
  onboard(@Body() body: unknown): Promise<ParticipantRecord> {
    return this.admin.onboardParticipant(body);
  }

  @Post('dao-versions')
  @OperatorAdmin()
  @ApiOperation({ summary: 'Create a DAO version from an agreement (operator administrators only)' })
  createVersion(@Body() body: unknown): Promise<DaoVersionRecord> {
    return this.admin.createDaoVersion(body);
  }

  @Post('channels')
  @OperatorAdmin()
  @ApiOperation({ summary: 'Relay the events of an existing channel (operator administrators only)' })
  registerChannel(@Body() body: unknown): Promise<{ name: string; chaincodes: string[] }> {
    return this.admin.registerChannel(body);
  }

  @Get('channels/:name/members')
  @Authenticated('participantOrOperatorAdmin')
  @ApiOperation({ summary: "A channel's member organisations, read as the caller's organisation: a member, or the operator's administrator for channels the operator is in (CHANNEL_NOT_FOUND otherwise)" })
  async members(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<{ channel: string; members: string[] }> {
    return { channel: name, members: await this.admin.channelMembers(name, principal.role === 'OPERATOR' ? OPERATOR_MSP : principal.mspId) };
  }

  @Get('daos/:daoId/versions/:version/:what')
  @Authenticated()
  @ApiOperation({ summary: "A DAO version's state or entitlements, read as the caller's organisation: its members only (VERSION_NOT_FOUND to anyone else)" })
  read(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('what') what: string): Promise<unknown> {
    const fn = ({ state: DAO.tx.GetVersion, entitlements: DAO.tx.GetEntitlements } as const)[what as 'state' | 'entitlements'] as typeof DAO.tx.GetVersion | typeof DAO.tx.GetEntitlements | undefined;
    if (!fn || !/^\d{1,4}$/.test(version)) throw new AdminError('INVALID_REQUEST', 'expected /admin/daos/<daoId>/versions/<n>/(state|entitlements)');
    return this.admin.evaluateDao(daoId, Number(version), fn, principal.mspId);
  }
}
