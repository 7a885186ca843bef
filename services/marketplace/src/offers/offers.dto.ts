import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorDto, FOLLOW_COMMAND } from '../common.dto';

/** OpenAPI shapes of the offers routes' responses (see common.dto.ts). */
export class OfferReputationDto {
  @ApiProperty({ description: 'ratings received' }) count!: number;
  @ApiProperty() sum!: number;
  @ApiProperty({ description: 'abandonments recorded against the participant' }) abandonments!: number;
  @ApiProperty({ description: 'score × 1000 (0-5000), decayed to the time of the request; 3000 for a participant nobody rated' }) scoreMilli!: number;
  @ApiProperty({ description: '0-5' }) score!: number;
  @ApiProperty({ description: 'decayed weight of all ratings and abandonments now (1 = one fresh rating)' }) weight!: number;
  @ApiProperty({ description: 'the half-life of a rating or abandonment, in days' }) halfLifeDays!: number;
  @ApiProperty({ description: 'when the ledger last changed it, ms since the epoch (0: never)' }) updatedAtMs!: number;
}

export class OfferOwnerDto {
  @ApiProperty() mspId!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['DSP', 'VSP'] }) role!: 'DSP' | 'VSP' | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ description: 'suspended by the marketplace’s governance (the operator)' }) suspended!: boolean;
  @ApiProperty({ type: OfferReputationDto }) reputation!: OfferReputationDto;
}

export class OfferViewDto {
  @ApiProperty() offerId!: string;
  @ApiProperty({ type: OfferOwnerDto }) owner!: OfferOwnerDto;
  @ApiProperty({ enum: ['data', 'value'] }) kind!: 'data' | 'value';
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the kind’s public fields as on the ledger' }) terms!: Record<string, unknown>;
  @ApiProperty() descriptionDigest!: string;
  @ApiProperty({ enum: ['submitted', 'open', 'withdrawn', 'failed'] }) status!: 'submitted' | 'open' | 'withdrawn' | 'failed';
  @ApiProperty() revision!: number;
  @ApiPropertyOptional({ type: ErrorDto }) failure?: ErrorDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiPropertyOptional({ description: 'search only: full-text rank' }) rank?: number;
}

export class OfferSearchDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [OfferViewDto] }) offers!: OfferViewDto[];
}

export class OfferCommandDto {
  @ApiProperty() offerId!: string;
  @ApiProperty({ description: FOLLOW_COMMAND }) commandId!: string;
  @ApiPropertyOptional({ enum: ['submitted'] }) status?: 'submitted';
}
