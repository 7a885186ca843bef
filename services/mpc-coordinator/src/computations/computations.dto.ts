import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRECISIONS } from '@datawell/mpc';

/** OpenAPI shapes of the coordinator's responses; request bodies are described from their zod schemas (zodBody). */
export class ComputationParametersDto {
  @ApiProperty({ example: ['temperature'], description: 'Dataset columns the program reads, in order (regression: features, then y)' }) columns!: string[];
  @ApiPropertyOptional({ example: 16, description: 'Fixed-point fractional bits (0–24)' }) fractionalBits?: number;
  @ApiPropertyOptional({ enum: [...PRECISIONS], description: "The catalogue's precision (absent: fxp32, two limbs)" }) precision?: string;
}

export class DatasetReferenceDto {
  @ApiProperty({ example: 'readings', description: "A dataset the owner's MPC node serves" }) name!: string;
  @ApiPropertyOptional({ example: 'DspMSP', description: "The data owner (a DSP member); default: the version's only DSP" }) owner?: string;
}

export class ComputationErrorDto {
  @ApiProperty() code!: string;
  @ApiProperty() message!: string;
}

export class ComputationDto {
  @ApiProperty() id!: string;
  @ApiProperty() daoId!: string;
  @ApiProperty() version!: number;
  @ApiProperty() computation!: string;
  @ApiProperty() requester!: string;
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty() owner!: string;
  @ApiProperty({ type: ComputationParametersDto }) parameters!: ComputationParametersDto;
  @ApiProperty({ type: DatasetReferenceDto }) dataset!: DatasetReferenceDto;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) status!: string;
  @ApiProperty({ description: '0–100' }) progress!: number;
  @ApiPropertyOptional({ type: [String], description: 'MSPs whose nodes ran it' }) members?: string[];
  @ApiPropertyOptional() rows?: number;
  @ApiPropertyOptional({ description: "SHA-256 of the canonical JSON of the result, as recorded on the ledger (for a result delivered only to the recipients' own domains: the digest their nodes reported)" }) resultDigest?: string;
  @ApiPropertyOptional({ type: ComputationErrorDto }) error?: ComputationErrorDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class NodeInventoryDto {
  @ApiProperty() triples!: number;
  @ApiProperty() squares!: number;
  @ApiProperty({ type: [Number], description: 'Masks by owning party index' }) masks!: number[];
  @ApiProperty() checkedAt!: string;
}

export class NodePinDto {
  @ApiProperty({ description: "The node's TLS certificate (PEM), issued by its member's own CA, as its member's PUT gave it" }) certificatePem!: string;
  @ApiProperty({ description: "The member's CA certificate (PEM) that issued it (for a PUT: from the identity directory)" }) caCertificatePem!: string;
}

export class NodeDto {
  @ApiProperty() mspId!: string;
  @ApiProperty() partyIndex!: number;
  @ApiProperty() controlUrl!: string;
  @ApiProperty({ enum: ['member'], description: "Who registered it: always its member (PUT, with its certificate for a node in the member's own domain); the coordinator reads no DAO channel's infrastructure report" })
  source!: string;
  @ApiPropertyOptional({ type: NodeInventoryDto }) inventory?: NodeInventoryDto;
  @ApiPropertyOptional({ type: NodePinDto, description: 'A node its member runs in its own domain: the certificates the coordinator pins when it calls the node' }) pin?: NodePinDto;
}
