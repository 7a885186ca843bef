import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the daos routes (see common.dto.ts). */
export class RevenueDto {
  @ApiProperty({ description: 'minor units, decimal string', example: '1000000' }) amount!: string;
  @ApiProperty({ enum: ['use', 'subscription'] }) kind!: 'use' | 'subscription';
  @ApiPropertyOptional({ description: 'idempotency key; generated when absent' }) revenueId?: string;
  @ApiPropertyOptional() reference?: string;
}
