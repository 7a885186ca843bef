import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorDto } from '../common.dto';

/** OpenAPI shapes of the participants routes' responses (see common.dto.ts). */
export { OfferReputationDto as ReputationDto } from '../offers/offers.dto';
import { OfferReputationDto as ReputationDto } from '../offers/offers.dto';

export class SanctionDto {
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'ledger time of the suspension or its lifting, ms since the epoch' }) atMs!: number;
}

export class RejectionDto {
  @ApiProperty({ description: 'why an operator administrator rejected the registration' }) reason!: string;
  @ApiProperty({ description: 'when, ms since the epoch' }) atMs!: number;
}

export class ParticipantOfferDto {
  @ApiProperty() offerId!: string;
  @ApiProperty({ enum: ['data', 'value'] }) kind!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ['open', 'withdrawn'] }) status!: string;
}

export class ParticipantDto {
  @ApiProperty() mspId!: string;
  @ApiProperty({ enum: ['DSP', 'VSP'] }) role!: 'DSP' | 'VSP';
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['pending', 'active', 'failed', 'rejected'], description: 'rejected: an operator administrator refused the registration (manual admission); it may register again' }) status!: 'pending' | 'active' | 'failed' | 'rejected';
  @ApiPropertyOptional({ type: ErrorDto }) failure?: ErrorDto;
  @ApiPropertyOptional({ enum: ['awaiting', 'admitted'], description: 'manual admission only: awaiting an operator administrator, or admitted (its onboarding command sent)' }) admission?: 'awaiting' | 'admitted';
  @ApiPropertyOptional({ type: RejectionDto }) rejection?: RejectionDto;
  @ApiProperty({ description: 'suspended by the marketplace’s governance: posts no offers, opens no negotiations, joins no DAOs' }) suspended!: boolean;
  @ApiPropertyOptional({ type: SanctionDto, description: 'the standing suspension, or the last one lifted' }) sanction?: SanctionDto;
  @ApiProperty({ type: ReputationDto }) reputation!: ReputationDto;
  @ApiProperty({ type: [ParticipantOfferDto] }) offers!: ParticipantOfferDto[];
}

export class RegistrationAcceptedDto {
  @ApiProperty() mspId!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
  @ApiProperty({ description: 'the onboard-participant network command: sent now, or (manual admission) when an operator administrator admits it' }) commandId!: string;
  @ApiPropertyOptional({ enum: ['awaiting'], description: 'manual admission (MARKETPLACE_ADMISSION=manual): nothing sent until an operator administrator admits it' }) admission?: 'awaiting';
}

/** A registration waiting for an operator administrator (manual admission). */
export class AdmissionDto {
  @ApiProperty() mspId!: string;
  @ApiProperty({ enum: ['DSP', 'VSP'] }) role!: 'DSP' | 'VSP';
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'when it registered (ISO 8601)', format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ description: 'in its own trust domain: its own CA issues its identities (it sent no CSR)' }) ownCa!: boolean;
  @ApiPropertyOptional({ description: 'the first identity to enroll at the CA the operator makes for it (its CSR is kept), unless ownCa' }) enrollmentId?: string;
}

export class AdmissionListDto {
  @ApiProperty({ type: [AdmissionDto], description: 'oldest first' }) admissions!: AdmissionDto[];
}

export class AdmittedDto {
  @ApiProperty() mspId!: string;
  @ApiProperty({ enum: ['pending'], description: 'pending until the bridge reports it onboarded (active) or failed' }) status!: 'pending';
  @ApiProperty({ enum: ['admitted'] }) admission!: 'admitted';
  @ApiProperty({ description: 'the onboard-participant network command sent now (the id given at registration)' }) commandId!: string;
}

export class RejectedDto {
  @ApiProperty() mspId!: string;
  @ApiProperty({ enum: ['rejected'] }) status!: 'rejected';
  @ApiProperty({ type: RejectionDto }) rejection!: RejectionDto;
}
