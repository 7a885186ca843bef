import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, OperatorAdmin, type Principal } from '@datawell/auth';
import { zodBody, ZodParams } from '@datawell/service-platform';
import { ErrorDto } from '../common.dto';
import { mspIdSchema } from '../validation';
import { AdmissionListDto, AdmittedDto, RejectedDto } from './participants.dto';
import { ParticipantsService, rejectionSchema } from './participants.service';

/**
 * Manual admission (MARKETPLACE_ADMISSION=manual): the registrations waiting for the operator's
 * administrators, who admit them (their onboarding command is sent) or reject them with a reason.
 * Only the operator's administrators (OperatorMSP, OU=admin).
 */
@ApiTags('admissions')
@Controller('admin/admissions')
export class AdmissionsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Get()
  @OperatorAdmin()
  @ApiOperation({ summary: 'The registrations waiting for admission, oldest first (operator administrators only)' })
  @ApiOkResponse({ type: AdmissionListDto })
  list() {
    return this.participants.admissions();
  }

  @Post(':mspId/admit')
  @HttpCode(202)
  @OperatorAdmin()
  @ApiOperation({
    summary:
      'Admit a waiting registration: its onboard-participant network command (the one registration would have sent) goes to the operator’s bridge; follow it at GET /participants/{mspId}. Once only: again is 409 NOT_AWAITING_ADMISSION (operator administrators only)',
  })
  @ZodParams({ mspId: mspIdSchema })
  @ApiAcceptedResponse({ type: AdmittedDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'PARTICIPANT_NOT_FOUND: no registration of this MSP id' })
  @ApiConflictResponse({ type: ErrorDto, description: 'NOT_AWAITING_ADMISSION: admitted or rejected already, registered with automatic admission, active or failed' })
  admit(@CurrentPrincipal() principal: Principal, @Param('mspId') mspId: string) {
    return this.participants.admit(principal, mspId);
  }

  @Post(':mspId/reject')
  @HttpCode(200)
  @OperatorAdmin()
  @ApiOperation({ summary: 'Reject a waiting registration with a reason (1-500 characters): nothing is sent, the organisation sees the reason and may register again (operator administrators only)' })
  @ZodParams({ mspId: mspIdSchema })
  @ApiBody(zodBody('Rejection', rejectionSchema))
  @ApiOkResponse({ type: RejectedDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'INVALID_REQUEST: no reason, or a longer one' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'PARTICIPANT_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorDto, description: 'NOT_AWAITING_ADMISSION' })
  reject(@CurrentPrincipal() principal: Principal, @Param('mspId') mspId: string, @Body() body: unknown) {
    return this.participants.reject(principal, mspId, body);
  }
}
