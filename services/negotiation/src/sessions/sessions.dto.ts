import { ApiProperty } from '@nestjs/swagger';

/* Request bodies are described from their zod schemas (proposal.schema.ts, zodBody); responses here. */

export class ErrorBody {
  @ApiProperty({ example: 'STALE_REVISION' }) code!: string;
  @ApiProperty() message!: string;
}
