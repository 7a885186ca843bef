import { Body, Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { usageEntrySchema, type UsageRecord } from '@datawell/contracts';
import { zodBody, ZodParams, ZodQuery } from '@datawell/service-platform';
import type { MemberLedger } from '../admin/member-dao';
import { MEMBER_LEDGER, versionParams, type StatusResponse } from './member-dao.controller';
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


/** A member domain's own API for recording usage entries: its own MPC node reports the ops it refused, saw refused or saw fail. */
@ApiTags('member')
@Controller('daos')
export class MemberUsageRecordsController {
  readonly #usage: MemberUsage;

  constructor(@Inject(MEMBER_LEDGER) ledger: MemberLedger) {
    this.#usage = new MemberUsage(ledger);
  }

  @Post(':daoId/versions/:version/usage')
  // Its MPC node records, with the node's own identity (a workload's).
  @Authenticated('participantOrWorkload')
  @ApiOperation({
    summary:
      "Record one entry of a dataset's usage trail on the version's channel as this member (RecordUsage): what its own MPC node, logged in with its own identity, reports of an op — refused by its own ledger check or by another party in the agreement round (outcome refused, check; only the dataset's owner may record it), or failed after the agreement round (outcome failed, failure code). 201 with the entry as the ledger holds it (recordedBy, atMs, txId); 200 with it for a repeat of the same entry; USAGE_CONFLICT when another entry has that usageId; LEDGER_REJECTED with the chaincode's message when the chaincode refuses it; VERSION_NOT_FOUND where it is not a member. For this organisation's identities only (FORBIDDEN to others)",
  })
  @ApiBody(zodBody('UsageEntry', usageEntrySchema))
  @ZodParams(versionParams)
  async record(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Body() body: unknown, @Res({ passthrough: true }) res: StatusResponse): Promise<UsageRecord> {
    const { entry, created } = await this.#usage.record(principal, daoId, version, body);
    res.status(created ? 201 : 200);
    return entry;
  }
}
