import { ApiProperty } from '@nestjs/swagger';

/**
 * OpenAPI shapes of responses shared by the marketplace's routes. Every *.dto.ts describes responses
 * for the OpenAPI document only (the console's typed client is generated from it): the services build
 * the responses; request bodies are described from the zod schemas that validate them (zodBody).
 */
export class AcceptedDto {
  @ApiProperty() commandId!: string;
}

export class ErrorDto {
  @ApiProperty({ example: 'INVALID_REQUEST' }) code!: string;
  @ApiProperty() message!: string;
}
