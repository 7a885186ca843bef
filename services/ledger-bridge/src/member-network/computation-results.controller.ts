import { Body, Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { idSchema } from '@datawell/contracts';
import { zodBody, ZodParams } from '@datawell/service-platform';
import type { MemberLedger } from '../admin/member-dao';
import type { ResultStore } from './computation-results.repository';
import { deliveredResultSchema, MemberResults, type ResultSummary, type ResultView } from './computation-results';
import { MEMBER_LEDGER, versionParams, type StatusResponse } from './member-dao.controller';

/** Where the member's bridge keeps the results its node delivers (its own PostgreSQL). */
export const MEMBER_RESULTS = Symbol('MEMBER_RESULTS');

const jobParams = { ...versionParams, jobId: idSchema };

/**
 * The results of computations of which this member is a recipient, in its own domain: delivered by
 * its own MPC node (which logs in as the member), recorded on the ledger as the member
 * (ComputationCompleted), kept in the member's database and read by its own people. For this
 * organisation's identities only.
 */
@ApiTags('member')
@Controller('daos')
export class MemberResultsController {
  readonly #results: MemberResults;

  constructor(@Inject(MEMBER_LEDGER) ledger: MemberLedger, @Inject(MEMBER_RESULTS) store: ResultStore) {
    this.#results = new MemberResults(ledger, store);
  }

  @Post(':daoId/versions/:version/computations/:jobId/result')
  // Its MPC node delivers, with the node's own identity (a workload's).
  @Authenticated('participantOrWorkload')
  @ApiOperation({
    summary:
      "Deliver the result of a computation of which this member is a recipient (its own MPC node does, logged in with its own identity, a client identity of this organisation): the digest must be SHA-256 of the result's sorted-key JSON (RESULT_DIGEST_MISMATCH); ComputationCompleted {jobId, computation, members, resultDigest} is submitted on the version's channel as this member, then RecordUsage with the granted request's entry of the data owner's usage trail (usageId the job id; requester, dataset, parametersDigest, rows and recipients from the body, as a recipient), then the result is kept in this member's database (so a delivery retried after a partial success records what is missing, once). 201 with the kept record; 200 with it for a repeat with the same digest; RESULT_CONFLICT for another digest (kept here or recorded on the ledger); USAGE_CONFLICT for another usage entry under the job id; a ledger refusal keeps nothing (LEDGER_REJECTED with the chaincode's message, LEDGER_UNAVAILABLE); VERSION_NOT_FOUND where it is not a member. For this organisation's identities only (FORBIDDEN to others)",
  })
  @ApiBody(zodBody('DeliveredResult', deliveredResultSchema))
  @ZodParams(jobParams)
  async deliver(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('jobId') jobId: string, @Body() body: unknown, @Res({ passthrough: true }) res: StatusResponse): Promise<ResultView> {
    const { result, created } = await this.#results.record(principal, daoId, version, jobId, body);
    res.status(created ? 201 : 200);
    return result;
  }

  @Get(':daoId/versions/:version/computations/:jobId/result')
  @Authenticated()
  @ApiOperation({ summary: "A result this member received, from its own database: {daoId, version, jobId, computation, members, result, resultDigest, txId (its ComputationCompleted), recordedAtMs}. RESULT_NOT_FOUND; for this organisation's identities only (FORBIDDEN to others)" })
  @ZodParams(jobParams)
  async result(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('jobId') jobId: string): Promise<ResultView> {
    return this.#results.get(principal, daoId, version, jobId);
  }

  @Get(':daoId/versions/:version/computations')
  @Authenticated()
  @ApiOperation({ summary: "The results this member received for the version, oldest first, without their values ({jobId, computation, members, resultDigest, txId, recordedAtMs}); read one with …/computations/:jobId/result. For this organisation's identities only (FORBIDDEN to others)" })
  @ZodParams(versionParams)
  async results(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string): Promise<ResultSummary[]> {
    return this.#results.list(principal, daoId, version);
  }
}
