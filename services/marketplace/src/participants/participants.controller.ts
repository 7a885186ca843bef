import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '@datawell/auth';
import { ErrorDto } from '../common.dto';
import { zodBody, ZodParams } from '@datawell/service-platform';
import { enrollmentIdSchema, mspIdSchema } from '../validation';
import { ParticipantDto, RegistrationAcceptedDto } from './participants.dto';
import { identityRequestSchema, ParticipantsService, registrationSchema } from './participants.service';

@ApiTags('participants')
@Controller('participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Register an organisation (self-service); the operator’s bridge onboards it and enrolls its first identity, or, without one, admits it from its own domain’s MSP package (its own CA issues its identities). With manual admission it first waits for an operator administrator (admission: awaiting)',
  })
  @ApiBody(zodBody('Registration', registrationSchema))
  @ApiAcceptedResponse({ type: RegistrationAcceptedDto })
  register(@Body() body: unknown) {
    return this.participants.register(body);
  }

  @Get(':mspId')
  @ApiOperation({ summary: 'A participant: status, role, reputation and offers' })
  @ZodParams({ mspId: mspIdSchema })
  @ApiOkResponse({ type: ParticipantDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@Param('mspId') mspId: string) {
    return this.participants.get(mspId);
  }

  @Post(':mspId/identities')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ summary: 'Enroll another user of the caller’s organisation' })
  @ZodParams({ mspId: mspIdSchema })
  @ApiBody(zodBody('IdentityRequest', identityRequestSchema))
  enroll(@CurrentPrincipal() principal: Principal, @Param('mspId') mspId: string, @Body() body: unknown) {
    return this.participants.enroll(principal, mspId, body);
  }

  @Get(':mspId/identities/:enrollmentId')
  @ApiOperation({ summary: 'An identity being enrolled: poll until status is enrolled, then use certificatePem' })
  @ZodParams({ mspId: mspIdSchema, enrollmentId: enrollmentIdSchema })
  identity(@Param('mspId') mspId: string, @Param('enrollmentId') enrollmentId: string) {
    return this.participants.identity(mspId, enrollmentId);
  }
}
