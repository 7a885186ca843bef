import { Body, Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import { DAO } from '@datawell/contracts';
import { AdminError } from './admin.errors';
import { AdminService, type DaoVersionRecord, type ParticipantRecord } from './admin.service';

export const ADMIN_SERVICE = Symbol('ADMIN_SERVICE');

/** The operator's network administration (onboarding, DAO versions), served by the ledger bridge. */
@Controller('admin')
export class AdminController {
  constructor(@Inject(ADMIN_SERVICE) private readonly admin: AdminService) {}

  @Post('participants')
  onboard(@Body() body: unknown): Promise<ParticipantRecord> {
    return this.admin.onboardParticipant(body);
  }

  @Post('dao-versions')
  createVersion(@Body() body: unknown): Promise<DaoVersionRecord> {
    return this.admin.createDaoVersion(body);
  }

  @Post('channels')
  registerChannel(@Body() body: unknown): Promise<{ name: string; chaincodes: string[] }> {
    return this.admin.registerChannel(body);
  }

  @Get('channels/:name/members')
  async members(@Param('name') name: string, @Query('as') as = 'OperatorMSP'): Promise<{ channel: string; members: string[] }> {
    return { channel: name, members: await this.admin.channelMembers(name, as) };
  }

  @Get('daos/:daoId/versions/:version/:what')
  read(@Param('daoId') daoId: string, @Param('version') version: string, @Param('what') what: string, @Query('as') as: string): Promise<unknown> {
    const fn = ({ state: DAO.tx.GetVersion, entitlements: DAO.tx.GetEntitlements } as const)[what as 'state' | 'entitlements'] as typeof DAO.tx.GetVersion | typeof DAO.tx.GetEntitlements | undefined;
    if (!fn || !/^\d{1,4}$/.test(version) || !as) throw new AdminError('INVALID_REQUEST', 'expected /admin/daos/<daoId>/versions/<n>/(state|entitlements)?as=<MSPID>');
    return this.admin.evaluateDao(daoId, Number(version), fn, as);
  }
}
