import { ApiProperty } from '@nestjs/swagger';

/**
 * OpenAPI shapes of responses shared by the marketplace's routes. Every *.dto.ts describes responses
 * for the OpenAPI document only (the console's typed client is generated from it): the services build
 * the responses; request bodies are described from the zod schemas that validate them (zodBody).
 */
/** The answer to a write that became a ledger command: its outcome is followed with the command id. */
export const FOLLOW_COMMAND = 'the ledger command sent; follow it to committed or failed at GET /commands/{commandId}, its /events stream, or gRPC GetCommand';

export class FeedbackAcceptedDto {
  @ApiProperty({ description: FOLLOW_COMMAND }) commandId!: string;
  @ApiProperty({ enum: ['submitted'] }) status!: 'submitted';
}

export class RevenueAcceptedDto {
  @ApiProperty({ description: FOLLOW_COMMAND }) commandId!: string;
  @ApiProperty() daoId!: string;
  @ApiProperty() revenueId!: string;
  @ApiProperty({ description: 'the top channel it is recorded on' }) channel!: string;
}

export class ErrorDto {
  @ApiProperty({ example: 'INVALID_REQUEST' }) code!: string;
  @ApiProperty() message!: string;
}
