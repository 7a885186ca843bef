import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { Authenticator } from '@datawell/auth';
import type { GrpcCallPeer, GrpcServiceOptions } from '@datawell/service-platform';
import { LiveViewService } from '../live/live-view.service';
import { TelemetryError } from '../live/telemetry.errors';

/** libs/contracts/proto/telemetry.proto, from this file's place in the repository. */
export const TELEMETRY_PROTO = join(__dirname, '..', '..', '..', '..', 'libs', 'contracts', 'proto', 'telemetry.proto');

/** Proto3 `optional`: a null is left unset. */
const opt = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

const stringField = (request: Record<string, unknown>, field: string): string => {
  const value = request[field];
  if (typeof value !== 'string' || value === '') throw new TelemetryError('INVALID_REQUEST', `${field} is required`);
  return value;
};

/** The rpcs of datawell.telemetry.v1.Telemetry (messages in proto field names), authenticated like HTTP. */
@Injectable()
export class TelemetryGrpc {
  constructor(
    private readonly auth: Authenticator,
    private readonly live: LiveViewService,
  ) {}

  async GetWorkload(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const w = await this.live.workload(principal.mspId, stringField(request, 'workload_id'));
    return {
      workload_id: w.workloadId,
      owner: w.owner,
      dao_id: w.daoId,
      version: w.version,
      channel: w.channel,
      last_seq: opt(w.lastSeq),
      last_heartbeat_at: opt(w.lastHeartbeatAt),
      age_seconds: opt(w.ageSeconds),
      metrics: w.metrics,
      recorded_seq: opt(w.recordedSeq),
      status: w.status,
    };
  }

  async GetDaoTelemetry(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const dao = await this.live.daoTelemetry(principal.mspId, stringField(request, 'dao_id'));
    return {
      dao_id: dao.daoId,
      versions: dao.versions.map((v) => ({
        version: v.version,
        channel: v.channel,
        status: v.status,
        heartbeat_interval_seconds: v.heartbeatIntervalSeconds,
        abandon_after_seconds: v.abandonAfterSeconds,
        snapshots: v.snapshots,
        members: v.members.map((m) => ({
          msp_id: m.mspId,
          group: m.group,
          role: m.role,
          status: m.status,
          abandoned: m.abandoned,
          workloads: m.workloads,
          last_heartbeat_at: opt(m.lastHeartbeatAt),
          recorded_snapshots: m.recordedSnapshots,
        })),
      })),
    };
  }
}

export const TELEMETRY_GRPC: GrpcServiceOptions = { protoFile: TELEMETRY_PROTO, service: 'datawell.telemetry.v1.Telemetry', handlers: TelemetryGrpc };
