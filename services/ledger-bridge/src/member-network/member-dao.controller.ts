import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, forbidden, type Principal } from '@datawell/auth';
import { DAO, DAO_ID_PATTERN } from '@datawell/contracts';
import { zodBody, ZodParams } from '@datawell/service-platform';
import { z } from 'zod';
import { memberRevenueSchema, memberWorkloadSchema, MemberDao, type MemberLedger } from '../admin/member-dao';

export const MEMBER_LEDGER = Symbol('MEMBER_LEDGER');

/**
 * A member domain's own API over its DAOs, served by its member-mode bridge to its own people: reads
 * of a version (state, entitlements) and the member's own writes (revenue), each through the
 * member's own peer with the member's own identity. Only identities of this organisation are
 * answered; the operator's services neither see this data nor sign these transactions.
 */
@ApiTags('member')
@Controller('daos')
export class MemberDaoController {
  readonly #dao: MemberDao;

  constructor(@Inject(MEMBER_LEDGER) ledger: MemberLedger) {
    this.#dao = new MemberDao(ledger);
  }

  @Get(':daoId/versions/:version/:what')
  @Authenticated()
  @ApiOperation({ summary: "A DAO version's state or entitlements, read through this member's own peer: for this organisation's identities only (FORBIDDEN to others; VERSION_NOT_FOUND where it is not a member)" })
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), version: z.string().regex(/^[1-9]\d{0,3}$/), what: z.enum(['state', 'entitlements']) })
  async read(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('what') what: string): Promise<unknown> {
    this.#own(principal);
    return this.#dao.read(daoId, Number(version), what === 'state' ? DAO.tx.GetVersion : DAO.tx.GetEntitlements);
  }

  @Post(':daoId/revenue')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Record revenue the DAO earned, on its top channel, signed by this member (RecordRevenue); idempotent by revenueId (REVENUE_EXISTS when it was recorded before)" })
  @ApiBody(zodBody('MemberRevenue', memberRevenueSchema))
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN) })
  async revenue(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Body() body: unknown): Promise<{ daoId: string; channel: string; revenueId: string; txId: string }> {
    this.#own(principal);
    return this.#dao.recordRevenue(daoId, body);
  }

  @Post(':daoId/versions/:version/workloads')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Register a workload this member runs itself (self-hosted) with the public key its heartbeats are signed with, on the version's channel, signed by this member (RegisterWorkload); WORKLOAD_EXISTS when the id is registered already, VERSION_NOT_FOUND where it is not a member" })
  @ApiBody(zodBody('MemberWorkload', memberWorkloadSchema))
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), version: z.string().regex(/^[1-9]\d{0,3}$/) })
  async workload(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Body() body: unknown): Promise<{ daoId: string; version: number; channel: string; workloadId: string; owner: string; txId: string }> {
    this.#own(principal);
    return this.#dao.registerWorkload(daoId, Number(version), body);
  }

  #own(principal: Principal): void {
    const self = this.#dao.mspId;
    if (principal.mspId !== self) throw forbidden(`this is ${self}'s bridge: ${principal.mspId} uses its own`);
  }
}
