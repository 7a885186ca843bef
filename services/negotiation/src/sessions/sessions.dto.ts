import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/*
 * OpenAPI descriptions of the bodies. Validation is the zod schemas of proposal.schema.ts (the
 * same rules as the dao chaincode), not these classes.
 */

export class CreateSessionBody {
  @ApiProperty({ enum: ['formation', 'join'] }) kind!: 'formation' | 'join';
  @ApiProperty({ description: 'formation: the new DAO id, chosen by the DSP; join: the existing DAO', example: 'acme-health' }) daoId!: string;
  @ApiPropertyOptional({ type: [String], description: 'formation: the other parties (MSP ids); the caller, a DSP, is added' }) parties?: string[];
  @ApiPropertyOptional({ type: [String], description: 'join: the joining VSPs; the caller, a VSP, is added' }) joiners?: string[];
}

export class ProposalMemberBody {
  @ApiProperty() mspId!: string;
  @ApiPropertyOptional({ description: 'weight inside the group (default 1; fixed for earlier members of a join)' }) weight?: number;
  @ApiPropertyOptional({ description: 'if given, must equal the ownership implied by β and the weights' }) ownershipPpm?: number;
}

export class ProposalBody {
  @ApiProperty({ description: 'β of the version, ppm, strictly inside (0, 10^6)', example: 800000 }) betaPpm!: number;
  @ApiProperty({ type: [ProposalMemberBody], description: 'exactly the session parties' }) members!: ProposalMemberBody[];
  @ApiProperty({
    description: 'durationDays, businessModel pay-per-use|subscription, heartbeatIntervalSeconds, abandonAfterSeconds, exitNoticeSeconds, computations [{name, resultRecipients}]',
  })
  terms!: Record<string, unknown>;
  @ApiProperty({ description: 'workloads [{name, owner, placement cloud|managed|self-hosted, kind, parameters}]; a join lists only the joiners\' workloads' })
  infrastructure!: Record<string, unknown>;
}

export class AcceptanceBody {
  @ApiProperty({ description: 'the revision accepted: must be the current one' }) revision!: number;
  @ApiProperty({ description: 'PEM of the caller\'s enrolled certificate (the one it logged in with)' }) certificatePem!: string;
  @ApiProperty({ description: 'base64 DER ECDSA-SHA256 signature of canonicalJson(agreement) (GET /sessions/:id/agreement)' }) signature!: string;
}

export class ErrorBody {
  @ApiProperty({ example: 'STALE_REVISION' }) code!: string;
  @ApiProperty() message!: string;
}
