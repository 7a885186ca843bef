import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { Authenticator } from '@datawell/auth';
import type { GrpcCallPeer, GrpcServiceOptions } from '@datawell/service-platform';
import { ProvisioningView } from '../provisioning/provisioning-view.service';

/** libs/contracts/proto/provisioner.proto, from this file's place in the repository. */
export const PROVISIONER_PROTO = join(__dirname, '..', '..', '..', '..', 'libs', 'contracts', 'proto', 'provisioner.proto');

/** Proto3 `optional`: a null is left unset. */
const opt = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

/** The rpcs of datawell.provisioner.v1.Provisioner (messages in proto field names), authenticated like HTTP. */
@Injectable()
export class ProvisionerGrpc {
  constructor(
    private readonly auth: Authenticator,
    private readonly view: ProvisioningView,
  ) {}

  async GetInfrastructure(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const i = await this.view.infrastructure(principal.mspId, request['dao_id'], request['version']);
    return {
      dao_id: i.daoId,
      version: i.version,
      revision: i.revision,
      status: i.status,
      workspace: i.workspace,
      state_serial: opt(i.stateSerial),
      outputs_digest: opt(i.outputsDigest),
      removed_members: i.removedMembers,
      dissolved: i.dissolved,
      workloads: i.workloads.map((w) => ({
        workload_id: w.workloadId,
        name: w.name,
        owner: w.owner,
        kind: w.kind,
        status: w.status,
        supervisor_pid: opt(w.supervisorPid),
        workload_pid: opt(w.workloadPid),
        public_key_pem: w.publicKeyPem,
      })),
    };
  }

  async GetJob(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const j = await this.view.job(principal.mspId, request['id']);
    return {
      id: j.id,
      kind: j.kind,
      dao_id: j.daoId,
      version: j.version,
      state: j.state,
      queue_state: opt(j.queueState),
      progress: j.progress,
      attempts: j.attempts,
      error: opt(j.error),
      created_at: j.createdAt,
      finished_at: opt(j.finishedAt),
    };
  }
}

export const PROVISIONER_GRPC: GrpcServiceOptions = { protoFile: PROVISIONER_PROTO, service: 'datawell.provisioner.v1.Provisioner', handlers: ProvisionerGrpc };
