import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the feedback routes (see common.dto.ts). */
export class FeedbackDto {
  @ApiProperty() daoId!: string;
  @ApiProperty({ example: 'Vsp1MSP' }) target!: string;
  @ApiProperty({ minimum: 1, maximum: 5 }) score!: number;
  @ApiPropertyOptional({ description: 'kept off-chain; its SHA-256 goes on the ledger' }) comment?: string;
}
