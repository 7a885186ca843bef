import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { Authenticator } from '@datawell/auth';
import type { GrpcCallPeer, GrpcServiceOptions } from '@datawell/service-platform';
import { ComputationsService, type ComputationView } from '../computations/computations.service';

/** libs/contracts/proto/mpc_coordinator.proto, from this file's place in the repository. */
export const MPC_COORDINATOR_PROTO = join(__dirname, '..', '..', '..', '..', 'libs', 'contracts', 'proto', 'mpc_coordinator.proto');

type Message = Record<string, unknown>;

const object = (v: unknown): Message | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Message) : undefined);

/**
 * A RequestComputationRequest (proto field names; unset proto3 `optional` fields are absent) as the
 * body of POST /computations, so that the service's zod schema judges both the same way. An unset
 * message stays unset (the schema names it), an empty `recipients` means "the terms' recipients".
 */
export function requestBodyOf(request: Message): Record<string, unknown> {
  const parameters = object(request['parameters']);
  const dataset = object(request['dataset']);
  const recipients = request['recipients'];
  return {
    daoId: request['dao_id'],
    version: request['version'],
    computation: request['computation'],
    parameters: parameters && {
      columns: parameters['columns'],
      ...(parameters['fractional_bits'] !== undefined ? { fractionalBits: parameters['fractional_bits'] } : {}),
    },
    dataset: dataset && { name: dataset['name'], ...(dataset['owner'] !== undefined ? { owner: dataset['owner'] } : {}) },
    ...(Array.isArray(recipients) && recipients.length > 0 ? { recipients } : {}),
    ...(request['request_id'] !== undefined ? { requestId: request['request_id'] } : {}),
    // int64 arrives as a decimal string (longs: String); the schema judges the number.
    ...(request['issued_at_ms'] !== undefined ? { issuedAtMs: Number(request['issued_at_ms']) } : {}),
    ...(request['certificate_pem'] !== undefined ? { certificatePem: request['certificate_pem'] } : {}),
    ...(request['signature'] !== undefined ? { signature: request['signature'] } : {}),
  };
}

/** A computation as a datawell.mpc.v1.Computation message. */
export function computationMessage(c: ComputationView): Message {
  return {
    id: c.id,
    dao_id: c.daoId,
    version: c.version,
    computation: c.computation,
    requester: c.requester,
    recipients: [...c.recipients],
    owner: c.owner,
    parameters: { columns: [...c.parameters.columns], fractional_bits: c.parameters.fractionalBits },
    dataset: { name: c.dataset.name, owner: c.owner },
    status: c.status,
    progress: c.progress,
    members: [...(c.members ?? [])],
    ...(c.rows !== undefined ? { rows: c.rows } : {}),
    ...(c.resultDigest !== undefined ? { result_digest: c.resultDigest } : {}),
    ...(c.error ? { error: { code: c.error.code, message: c.error.message } } : {}),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

/**
 * The rpcs of datawell.mpc.v1.Coordinator: the HTTP API's service calls, the caller authenticated
 * from the bearer token in the metadata. The platform's server maps the typed errors' codes to
 * statuses (RESULT_NOT_READY through its HTTP 409 to FAILED_PRECONDITION).
 */
@Injectable()
export class CoordinatorGrpc {
  constructor(
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(ComputationsService) private readonly computations: ComputationsService,
  ) {}

  async RequestComputation(request: Message, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const { computation, created } = await this.computations.request(principal.mspId, requestBodyOf(request), principal.enrollmentId);
    return { computation: computationMessage(computation), created };
  }

  async GetComputation(request: Message, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    return computationMessage(await this.computations.status(principal.mspId, String(request['id'] ?? '')));
  }

  /** Never a result: the coordinator keeps none (RESULT_NOT_READY, or RESULT_IN_RECIPIENT_DOMAIN pointing at the recipient's own bridge). */
  async GetResult(request: Message, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    return this.computations.result(principal.mspId, String(request['id'] ?? ''));
  }
}

export const MPC_COORDINATOR_GRPC: GrpcServiceOptions = { protoFile: MPC_COORDINATOR_PROTO, service: 'datawell.mpc.v1.Coordinator', handlers: CoordinatorGrpc };
