import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiForbiddenResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { zodBody } from '@datawell/service-platform';
import { ErrorDto, FeedbackAcceptedDto } from '../common.dto';
import { abandonmentReportInputSchema, feedbackInputSchema, FeedbackService } from './feedback.service';

@ApiTags('feedback')
@Controller('feedback')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post()
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Rate another member of a DAO you share (1-5, comment kept off-chain); the ledger records it (follow the commandId)' })
  @ApiBody(zodBody('Feedback', feedbackInputSchema))
  @ApiAcceptedResponse({ type: FeedbackAcceptedDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto })
  submit(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.feedback.submit(principal, body);
  }
}

@ApiTags('feedback')
@Controller('abandonments')
export class AbandonmentsController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post()
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({
    summary:
      'Report an abandonment a DAO channel recorded (MemberAbandoned) against a co-member of that DAO, naming the channel and transaction; it counts against the member’s reputation once per DAO and member (follow the commandId)',
  })
  @ApiBody(zodBody('AbandonmentReport', abandonmentReportInputSchema))
  @ApiAcceptedResponse({ type: FeedbackAcceptedDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto })
  report(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.feedback.reportAbandonment(principal, body);
  }
}
