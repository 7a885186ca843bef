import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class MpcNodeMeshDto {
  @ApiProperty() partyIndex!: number;
  @ApiProperty() parties!: number;
}

export class MpcNodeViewDto {
  @ApiProperty({ description: "the node's control API (mutual TLS), which the coordinator calls" }) controlUrl!: string;
  @ApiProperty({ description: 'host:port where the other nodes reach it' }) meshEndpoint!: string;
  @ApiProperty({ description: "its TLS certificate (PEM): issued by its member's own CA when it runs in the member's domain" }) certificatePem!: string;
  @ApiProperty({ description: "the CA certificate (PEM) that issued it" }) caCertificatePem!: string;
  @ApiPropertyOptional({ nullable: true, type: MpcNodeMeshDto, description: "a node in its member's domain, once the ledger listed every member's node: its mesh file's index and party count" }) mesh!: MpcNodeMeshDto | null;
}

export class JobDto {
  @ApiProperty({ example: 'apply.d1.v1.r1' }) id!: string;
  @ApiProperty({ enum: ['apply', 'remove', 'destroy'] }) kind!: string;
  @ApiProperty() daoId!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'waiting, active, retrying, completed or failed (as recorded by the provisioner)' }) state!: string;
  @ApiPropertyOptional({ description: 'the BullMQ state of the job, when the queue still holds it' }) queueState?: string;
  @ApiProperty({ description: '0-100' }) progress!: number;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true, type: String }) error!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) finishedAt!: string | null;
}

export class JobLogLineDto {
  @ApiProperty() seq!: number;
  @ApiProperty() at!: string;
  @ApiProperty() line!: string;
}

export class WorkloadViewDto {
  @ApiProperty({ example: 'd1-v1-vsp1-mpc' }) workloadId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'Vsp1MSP' }) owner!: string;
  @ApiProperty() kind!: string;
  @ApiProperty({ enum: ['running', 'stopped', 'destroyed'] }) status!: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: "the supervisor's pid: kill it to simulate the workload's death" }) supervisorPid!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: "the workload process's pid: killed, it is restarted by its supervisor" }) workloadPid!: number | null;
  @ApiProperty() publicKeyPem!: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: "an MPC node's X25519 public key (SPKI PEM) that IoT producers seal its owner's readings to; null for other workloads" }) readingsPublicKeyPem!: string | null;
  @ApiPropertyOptional({ nullable: true, type: () => MpcNodeViewDto, description: 'an MPC node the provisioner runs: its control API, mesh endpoint and certificates; null for other workloads' }) mpc!: MpcNodeViewDto | null;
}

export class InfrastructureDto {
  @ApiProperty() daoId!: string;
  @ApiProperty() version!: number;
  @ApiProperty() revision!: number;
  @ApiProperty({ description: 'requested, applying, provisioned, failed, destroying or destroyed' }) status!: string;
  @ApiProperty({ example: 'dao-d1-v1' }) workspace!: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'serial of the workspace state in the pg backend' }) stateSerial!: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) outputsDigest!: string | null;
  @ApiProperty({ type: [String] }) removedMembers!: string[];
  @ApiProperty() dissolved!: boolean;
  @ApiProperty({ type: [WorkloadViewDto] }) workloads!: WorkloadViewDto[];
}

export class TofuStatesDto {
  @ApiProperty() schema!: string;
  @ApiProperty({ description: "number of workspace states in the pg backend of the caller's DAO versions" }) count!: number;
}

export class ErrorDto {
  @ApiProperty({ example: 'VERSION_NOT_FOUND' }) code!: string;
  @ApiProperty() message!: string;
}
