import { ApiProperty } from '@nestjs/swagger';

/**
 * OpenAPI shapes shared by the marketplace's routes. Every *.dto.ts is for the OpenAPI document only
 * (the console's typed client is generated from it): validation is the services' zod schemas, and the
 * services build the responses.
 */
export class AcceptedDto {
  @ApiProperty() commandId!: string;
}

export class ErrorDto {
  @ApiProperty({ example: 'INVALID_REQUEST' }) code!: string;
  @ApiProperty() message!: string;
}
