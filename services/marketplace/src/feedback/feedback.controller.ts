import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { zodBody } from '@datawell/service-platform';
import { feedbackInputSchema, FeedbackService } from './feedback.service';

@ApiTags('feedback')
@Controller('feedback')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post()
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Rate another member of a DAO you share (1-5, comment kept off-chain)' })
  @ApiBody(zodBody('Feedback', feedbackInputSchema))
  submit(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.feedback.submit(principal, body);
  }
}
