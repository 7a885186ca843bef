import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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

export class OfferDto {
  @ApiProperty({ enum: ['data', 'value'] }) kind!: 'data' | 'value';
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'Full text, kept off-chain; its SHA-256 goes on the ledger' }) description!: string;
  @ApiPropertyOptional({ type: [String] }) tags?: string[];
  @ApiPropertyOptional({ description: 'data offers: the dataset schema (JSON object or text)' }) schema?: unknown;
  @ApiPropertyOptional({ description: 'data offers' }) updateFrequency?: string;
  @ApiPropertyOptional({ description: 'data offers: {type: "iot-stream"|"file", topic?}' }) source?: unknown;
  @ApiPropertyOptional({ description: 'value offers' }) service?: string;
  @ApiPropertyOptional({ type: [String], description: 'value offers: computations the service needs' }) computations?: string[];
  @ApiPropertyOptional({ description: 'value offers: infrastructure needs (integers, strings, booleans)' }) infrastructure?: unknown;
}

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
