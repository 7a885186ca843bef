import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { Authenticator } from '@datawell/auth';
import type { GrpcCallPeer, GrpcServiceOptions } from '@datawell/service-platform';
import { negotiationError } from '../sessions/negotiation.errors';
import { SessionsService } from '../sessions/sessions.service';

/** libs/contracts/proto/negotiation.proto, from this file's place in the repository. */
export const NEGOTIATION_PROTO = join(__dirname, '..', '..', '..', '..', 'libs', 'contracts', 'proto', 'negotiation.proto');

const sessionIdOf = (request: Record<string, unknown>): string => {
  const id = request['session_id'];
  if (typeof id !== 'string' || id === '') throw negotiationError('INVALID_REQUEST', 'session_id is required');
  return id;
};

/** The rpcs of datawell.negotiation.v1.Negotiation (messages in proto field names), for the session's parties as over HTTP. */
@Injectable()
export class NegotiationGrpc {
  constructor(
    private readonly sessions: SessionsService,
    private readonly auth: Authenticator,
  ) {}

  async GetSession(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const s = await this.sessions.view(principal, sessionIdOf(request));
    return {
      session_id: s.id,
      kind: s.kind,
      dao_id: s.daoId,
      version: s.version,
      status: s.status,
      created_by: s.createdBy,
      parties: s.parties.map((p) => ({ msp_id: p.mspId, role: p.role, group: p.group, required: p.required })),
      revision: s.revision,
      agreement_json: s.proposal ? JSON.stringify(s.proposal.agreement) : '',
      acceptances: s.acceptances.map((a) => ({ msp_id: a.mspId, enrollment_id: a.enrollmentId, accepted_at: a.acceptedAt })),
      waiting_for: s.acceptance?.waitingFor ?? [],
      complete: s.acceptance?.complete ?? false,
      agreement_id: s.agreementId ?? '',
      failure_code: s.failure?.code ?? '',
      failure_message: s.failure?.message ?? '',
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      state: s.state,
      state_changed_at: s.stateChangedAt,
      deadline: s.deadline ?? '',
    };
  }

  async ListHistory(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const history = await this.sessions.history(principal, sessionIdOf(request));
    return {
      entries: history.map((h) => ({
        seq: h.seq,
        revision: h.revision ?? 0,
        change: h.change,
        msp_id: h.mspId ?? '',
        enrollment_id: h.enrollmentId ?? '',
        detail_json: JSON.stringify(h.detail),
        at: h.at,
        state: h.state ?? '',
      })),
    };
  }
}

export const NEGOTIATION_GRPC: GrpcServiceOptions = { protoFile: NEGOTIATION_PROTO, service: 'datawell.negotiation.v1.Negotiation', handlers: NegotiationGrpc };
