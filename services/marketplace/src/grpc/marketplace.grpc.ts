import { join } from 'node:path';
import type { Metadata } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { Authenticator, type Principal } from '@datawell/auth';
import type { GrpcCallPeer, GrpcServiceOptions } from '@datawell/service-platform';
import { CommandsService } from '../commands/commands.service';
import { DaosService } from '../daos/daos.service';
import { OffersService } from '../offers/offers.service';
import { ParticipantsService } from '../participants/participants.service';

/**
 * The marketplace's read side over gRPC (libs/contracts/proto/marketplace.proto), and the caller's
 * own ledger commands (GetCommand, authenticated as negotiation's rpcs are), served by the
 * platform's GrpcServer on MARKETPLACE_GRPC_PORT, and the operator administrators' manual admission.
 * Fields keep the proto's snake_case; the platform's server maps the typed errors to statuses by their
 * kind (as HTTP's) and sends their stable code as trailing metadata `datawell-code`.
 */
@Injectable()
export class MarketplaceGrpc {
  constructor(
    private readonly participants: ParticipantsService,
    private readonly offers: OffersService,
    private readonly daos: DaosService,
    private readonly commands: CommandsService,
    private readonly auth: Authenticator,
  ) {}

  async GetParticipant(request: Record<string, unknown>): Promise<unknown> {
    const p = await this.participants.get(String(request['msp_id'] ?? ''));
    return {
      msp_id: p.mspId,
      role: p.role,
      name: p.name,
      status: p.status,
      reputation: { count: p.reputation.count, sum: p.reputation.sum, score_milli: p.reputation.scoreMilli, abandonments: p.reputation.abandonments },
      offers: p.offers.map((o) => ({ offer_id: o.offerId, kind: o.kind, title: o.title, status: o.status })),
      suspended: p.suspended,
    };
  }

  async SearchOffers(request: Record<string, unknown>): Promise<unknown> {
    const query: Record<string, unknown> = {};
    const fields: Record<string, string> = { q: 'q', role: 'role', kind: 'kind', tags: 'tags', min_reputation: 'minReputation', owner: 'owner', suspended: 'suspended', limit: 'limit', offset: 'offset' };
    for (const [field, name] of Object.entries(fields)) {
      const v = request[field];
      if (v !== undefined && v !== '' && v !== 0 && v !== '0' && !(Array.isArray(v) && v.length === 0)) query[name] = v;
    }
    const result = await this.offers.search(query);
    return {
      total: result.total,
      offers: result.offers.map((o) => ({
        offer_id: o.offerId,
        owner_msp_id: o.owner.mspId,
        owner_role: o.owner.role ?? '',
        kind: o.kind,
        title: o.title,
        description: o.description ?? '',
        tags: o.tags,
        terms_json: JSON.stringify(o.terms),
        description_digest: o.descriptionDigest,
        status: o.status,
        revision: o.revision,
        owner_reputation_milli: o.owner.reputation.scoreMilli,
        owner_suspended: o.owner.suspended,
      })),
    };
  }

  async GetDao(request: Record<string, unknown>): Promise<unknown> {
    // The public directory entry, like GET /daos/:daoId: no β, no amounts.
    const d = await this.daos.directoryEntry(String(request['dao_id'] ?? ''));
    return {
      dao_id: d.daoId,
      status: d.status,
      top_version: d.topVersion,
      top_channel: d.topChannel,
      versions: d.versions.map((v) => ({ version: v.version, channel: v.channel, status: v.status, superseded: v.superseded, members: v.members })),
      members: d.members.map((m) => ({ msp_id: m.mspId, channels: m.channels })),
      name: d.name,
      summary: d.summary,
      published_by: d.publishedBy,
    };
  }

  /** The caller's own ledger command, as GET /commands/:commandId (authenticated; others' are NOT_FOUND). */
  async GetCommand(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const c = await this.commands.view(principal, String(request['command_id'] ?? ''));
    return {
      command_id: c.commandId,
      action: c.action,
      status: c.status,
      tx_id: c.txId ?? '',
      block_number: c.blockNumber ?? '',
      code: c.code ?? '',
      message: c.message ?? '',
      ledger_code: c.ledgerCode ?? '',
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    };
  }

  // Manual admission, as the @OperatorAdmin routes of admissions.controller.ts: the same audience check
  // (libs/auth `admit`) and the same service calls, so the rules and refusals are HTTP's.

  /** The registrations waiting for admission, oldest first, as GET /admin/admissions. */
  async ListAdmissions(_request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    await this.#operatorAdmin(metadata, peer);
    const { admissions } = await this.participants.admissions();
    return {
      admissions: admissions.map((a) => ({
        msp_id: a.mspId,
        role: a.role,
        name: a.name,
        requested_at: a.requestedAt,
        own_ca: a.ownCa,
        ...(a.enrollmentId !== undefined ? { enrollment_id: a.enrollmentId } : {}),
      })),
    };
  }

  /** As POST /admin/admissions/:mspId/admit. */
  async AdmitParticipant(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.#operatorAdmin(metadata, peer);
    const a = await this.participants.admit(principal, text(request['msp_id']));
    return { msp_id: a.mspId, status: a.status, admission: a.admission, command_id: a.commandId };
  }

  /** As POST /admin/admissions/:mspId/reject {reason}. */
  async RejectParticipant(request: Record<string, unknown>, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.#operatorAdmin(metadata, peer);
    const r = await this.participants.reject(principal, text(request['msp_id']), { reason: text(request['reason']) });
    return { msp_id: r.mspId, status: r.status, rejection: { reason: r.rejection.reason, at_ms: r.rejection.atMs } };
  }

  /** The caller, who must be an administrator of the operator (OperatorMSP, OU=admin), as @OperatorAdmin() requires. */
  #operatorAdmin(metadata: Metadata, peer: GrpcCallPeer): Promise<Principal> {
    return this.auth.authenticateCall(metadata, peer.certificatePem, 'operatorAdmin');
  }
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

export const MARKETPLACE_GRPC: GrpcServiceOptions = {
  protoFile: join(__dirname, '..', '..', '..', '..', 'libs', 'contracts', 'proto', 'marketplace.proto'),
  service: 'datawell.marketplace.v1.Marketplace',
  handlers: MarketplaceGrpc,
};
