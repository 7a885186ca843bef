import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { ZodParams, ZodQuery } from '@datawell/service-platform';
import type { MemberLedger } from '../admin/member-dao';
import { MEMBER_LEDGER } from './member-dao.controller';
import { MemberUsage, usageParams, usageQuerySchema, type UsageTrailView } from './member-usage';

/** A member domain's own API over the usage trail of datasets in its DAOs, read through its own peer. */
@ApiTags('member')
@Controller('datasets')
export class MemberUsageController {
  readonly #usage: MemberUsage;

  constructor(@Inject(MEMBER_LEDGER) ledger: MemberLedger) {
    this.#usage = new MemberUsage(ledger);
  }

  @Get(':dataset/usage')
  @Authenticated()
  @ApiOperation({
    summary:
      "A dataset's usage trail in a DAO (RecordUsage entries: every computation request on it, granted, refused by which check, or failed), read through this member's own peer (GetUsage), oldest first, each entry with its version and transaction id. For this organisation's identities only (FORBIDDEN to others); VERSION_NOT_FOUND where it is not a member",
  })
  @ZodParams(usageParams)
  @ZodQuery(usageQuerySchema)
  async trail(@CurrentPrincipal() principal: Principal, @Param('dataset') dataset: string, @Query() query: Record<string, unknown>): Promise<UsageTrailView> {
    return this.#usage.trailFor(principal, dataset, query);
  }
}
