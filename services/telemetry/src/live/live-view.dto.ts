import { ApiProperty } from '@nestjs/swagger';
import type { WorkloadStatus } from './status';

export class WorkloadLiveDto {
  @ApiProperty({ example: 'vsp1-mpc' }) workloadId!: string;
  @ApiProperty({ example: 'Vsp1MSP', description: 'The member organisation that registered the workload' }) owner!: string;
  @ApiProperty({ example: 'acme' }) daoId!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'dao-acme-v1' }) channel!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Sequence number of the latest verified heartbeat' }) lastSeq!: number | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Signed timestamp of the latest heartbeat' }) lastHeartbeatAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds since the latest heartbeat' }) ageSeconds!: number | null;
  @ApiProperty({ type: Object, description: 'Integer gauges of the latest heartbeat', example: { cpuMilli: 120 } }) metrics!: Record<string, number>;
  @ApiProperty({ type: Number, nullable: true, description: 'Highest seq recorded on the ledger' }) recordedSeq!: number | null;
  @ApiProperty({ enum: ['healthy', 'late', 'silent', 'abandoned'] }) status!: WorkloadStatus;
}

export class MemberTelemetryDto {
  @ApiProperty({ example: 'Vsp1MSP' }) mspId!: string;
  @ApiProperty({ example: 'J1' }) group!: string;
  @ApiProperty({ example: 'VSP' }) role!: string;
  @ApiProperty({ enum: ['active', 'abandoned', 'exited'] }) status!: string;
  @ApiProperty() abandoned!: boolean;
  @ApiProperty({ description: 'Workloads the member registered on this version' }) workloads!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastHeartbeatAt!: string | null;
  @ApiProperty({ description: 'Recorded snapshots holding a heartbeat of this member' }) recordedSnapshots!: number;
}

export class SnapshotCountsDto {
  @ApiProperty() submitted!: number;
  @ApiProperty() committed!: number;
  @ApiProperty() failed!: number;
}

export class VersionTelemetryDto {
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'dao-acme-v1' }) channel!: string;
  @ApiProperty({ enum: ['active', 'dissolved'] }) status!: string;
  @ApiProperty() heartbeatIntervalSeconds!: number;
  @ApiProperty() abandonAfterSeconds!: number;
  @ApiProperty({ type: SnapshotCountsDto, description: 'Snapshots this service submitted, by outcome' }) snapshots!: SnapshotCountsDto;
  @ApiProperty({ type: [MemberTelemetryDto] }) members!: MemberTelemetryDto[];
}

export class DaoTelemetryDto {
  @ApiProperty({ example: 'acme' }) daoId!: string;
  @ApiProperty({ type: [VersionTelemetryDto] }) versions!: VersionTelemetryDto[];
}

export class ErrorDto {
  @ApiProperty({ example: 'WORKLOAD_NOT_FOUND' }) code!: string;
  @ApiProperty() message!: string;
}
