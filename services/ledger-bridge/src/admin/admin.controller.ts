import { Body, Catch, Controller, Get, HttpStatus, Inject, Param, Post, Query, UseFilters, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AdminError } from './admin.errors';
import { AdminService, type DaoVersionRecord, type ParticipantRecord } from './admin.service';

const STATUS: Record<AdminError['code'], number> = {
  INVALID_REQUEST: HttpStatus.BAD_REQUEST,
  NOT_A_PARTICIPANT: HttpStatus.UNPROCESSABLE_ENTITY,
  ROLE_MISMATCH: HttpStatus.CONFLICT,
  LEDGER_REJECTED: HttpStatus.UNPROCESSABLE_ENTITY,
  INVALID_CSR: HttpStatus.BAD_REQUEST,
  ENROLLMENT_REJECTED: HttpStatus.UNPROCESSABLE_ENTITY,
};

/** Domain errors become 4xx with a stable code and message; nothing else is rewritten here. */
@Catch(AdminError)
export class AdminErrorFilter implements ExceptionFilter<AdminError> {
  catch(error: AdminError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>().status(STATUS[error.code]).json({ code: error.code, message: error.message });
  }
}

export const ADMIN_SERVICE = Symbol('ADMIN_SERVICE');

/** The operator's network administration (onboarding, DAO versions), served by the ledger bridge. */
@Controller('admin')
@UseFilters(AdminErrorFilter)
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
    const fn = { state: 'GetVersion', entitlements: 'GetEntitlements' }[what] as 'GetVersion' | 'GetEntitlements' | undefined;
    if (!fn || !/^\d{1,4}$/.test(version) || !as) throw new AdminError('INVALID_REQUEST', 'expected /admin/daos/<daoId>/versions/<n>/(state|entitlements)?as=<MSPID>');
    return this.admin.evaluateDao(daoId, Number(version), fn, as);
  }
}
