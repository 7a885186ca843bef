import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorDto } from '../common.dto';

/** OpenAPI shapes of the participants routes' responses (see common.dto.ts). */
export class ReputationDto {
  @ApiProperty() count!: number;
  @ApiProperty() sum!: number;
  @ApiProperty({ description: 'score × 1000 (0-5000)' }) scoreMilli!: number;
  @ApiProperty({ description: '0-5' }) score!: number;
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
  @ApiProperty({ type: ReputationDto }) reputation!: ReputationDto;
  @ApiProperty({ type: [ParticipantOfferDto] }) offers!: ParticipantOfferDto[];
}
