import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { zodBody } from '@datawell/service-platform';
import type { MemberLedger } from '../admin/member-dao';
import { MEMBER_LEDGER } from './member-dao.controller';
import { MemberFeedback, memberFeedbackSchema, type MemberFeedbackView } from './member-feedback';

/** A member domain's own API for rating its co-members on the marketplace, as itself. */
@ApiTags('member')
@Controller('feedback')
export class MemberFeedbackController {
  readonly #feedback: MemberFeedback;

  constructor(@Inject(MEMBER_LEDGER) ledger: MemberLedger) {
    this.#feedback = new MemberFeedback(ledger);
  }

  @Post()
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({
    summary:
      "Rate a co-member of a DAO in the public directory (1-5; the comment stays here, its SHA-256 goes on the ledger): SubmitFeedback on the marketplace channel, signed by this member through its own peer; answers the transaction and the target's reputation. For this organisation's identities only (FORBIDDEN to others); FEEDBACK_EXISTS once this pair has rated for the DAO; NOT_CO_MEMBERS when the DAO is not in the directory or does not hold both",
  })
  @ApiBody(zodBody('MemberFeedback', memberFeedbackSchema))
  async submit(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<MemberFeedbackView> {
    return this.#feedback.submitFor(principal, body);
  }
}
