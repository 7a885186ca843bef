import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorDto } from '../common.dto';

/** OpenAPI shapes of the participants routes' responses (see common.dto.ts). */
export { OfferReputationDto as ReputationDto } from '../offers/offers.dto';
import { OfferReputationDto as ReputationDto } from '../offers/offers.dto';

export class SanctionDto {
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'ledger time of the suspension or its lifting, ms since the epoch' }) atMs!: number;
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
  @ApiProperty({ enum: ['pending', 'active', 'failed'] }) status!: 'pending' | 'active' | 'failed';
  @ApiPropertyOptional({ type: ErrorDto }) failure?: ErrorDto;
  @ApiProperty({ description: 'suspended by the marketplace’s governance: posts no offers, opens no negotiations, joins no DAOs' }) suspended!: boolean;
  @ApiPropertyOptional({ type: SanctionDto, description: 'the standing suspension, or the last one lifted' }) sanction?: SanctionDto;
  @ApiProperty({ type: ReputationDto }) reputation!: ReputationDto;
  @ApiProperty({ type: [ParticipantOfferDto] }) offers!: ParticipantOfferDto[];
}
