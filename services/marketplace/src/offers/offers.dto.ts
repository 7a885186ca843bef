import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { ErrorDto } from '../common.dto';

/** OpenAPI shapes of the offers routes (see common.dto.ts). */
export class OfferSourceDto {
  @ApiProperty({ enum: ['iot-stream', 'file'] }) type!: 'iot-stream' | 'file';
  @ApiPropertyOptional({ description: 'the Kafka topic of an iot-stream' }) topic?: string;
}

export class OfferDto {
  @ApiProperty({ enum: ['data', 'value'] }) kind!: 'data' | 'value';
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'Full text, kept off-chain; its SHA-256 goes on the ledger' }) description!: string;
  @ApiPropertyOptional({ type: [String] }) tags?: string[];
  @ApiPropertyOptional({
    description: 'data offers: the dataset schema (JSON object or text)',
    oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }],
  })
  schema?: string | Record<string, unknown>;
  @ApiPropertyOptional({ description: 'data offers' }) updateFrequency?: string;
  @ApiPropertyOptional({ type: OfferSourceDto, description: 'data offers: where the data comes from' }) source?: OfferSourceDto;
  @ApiPropertyOptional({ description: 'value offers' }) service?: string;
  @ApiPropertyOptional({ type: [String], description: 'value offers: computations the service needs' }) computations?: string[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'value offers: infrastructure needs (integers, strings, booleans)' })
  infrastructure?: Record<string, unknown>;
}

/** PATCH /offers/:id: any of the fields but the kind, at least one. */
export class OfferPatchDto extends OmitType(PartialType(OfferDto), ['kind'] as const) {}

export class OfferReputationDto {
  @ApiProperty() count!: number;
  @ApiProperty({ description: 'score × 1000 (0-5000)' }) scoreMilli!: number;
}

export class OfferOwnerDto {
  @ApiProperty() mspId!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['DSP', 'VSP'] }) role!: 'DSP' | 'VSP' | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
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
  @ApiProperty() commandId!: string;
  @ApiPropertyOptional({ enum: ['submitted'] }) status?: 'submitted';
}
