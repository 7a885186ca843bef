import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';

/** OpenAPI shapes of the request bodies; validation itself is the services' zod schemas. */
export class IdentityRequestDto {
  @ApiProperty({ example: 'alice' }) enrollmentId!: string;
  @ApiProperty({ description: 'PEM certificate request made where the private key lives' }) csrPem!: string;
}

export class RegistrationDto {
  @ApiProperty({ example: 'AcmeMSP' }) mspId!: string;
  @ApiProperty({ enum: ['DSP', 'VSP'] }) role!: 'DSP' | 'VSP';
  @ApiProperty() name!: string;
  @ApiProperty({ type: IdentityRequestDto }) identity!: IdentityRequestDto;
}

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

export class FeedbackDto {
  @ApiProperty() daoId!: string;
  @ApiProperty({ example: 'Vsp1MSP' }) target!: string;
  @ApiProperty({ minimum: 1, maximum: 5 }) score!: number;
  @ApiPropertyOptional({ description: 'kept off-chain; its SHA-256 goes on the ledger' }) comment?: string;
}

export class RevenueDto {
  @ApiProperty({ description: 'minor units, decimal string', example: '1000000' }) amount!: string;
  @ApiProperty({ enum: ['use', 'subscription'] }) kind!: 'use' | 'subscription';
  @ApiPropertyOptional({ description: 'idempotency key; generated when absent' }) revenueId?: string;
  @ApiPropertyOptional() reference?: string;
}

export class AcceptedDto {
  @ApiProperty() commandId!: string;
}

/**
 * Response shapes, for the OpenAPI document only (the console's typed client is generated from it);
 * the services build the objects (offers.service OfferView, participants.service ParticipantView).
 */
export class ErrorDto {
  @ApiProperty({ example: 'INVALID_REQUEST' }) code!: string;
  @ApiProperty() message!: string;
}

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
