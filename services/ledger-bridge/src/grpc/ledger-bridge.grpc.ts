import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { Authenticator, type Principal } from '@datawell/auth';
import type { GrpcCallPeer, GrpcServiceOptions } from '@datawell/service-platform';
import { MemberDao, ownOrganisationOnly, type MemberLedger, type MemberTransfer } from '../admin/member-dao';
import type { LedgerBridgeServiceConfig } from '../config';
import { MEMBER_LEDGER } from '../member-network/member-dao.controller';
import { MemberUsage, type UsageEntryView, type UsageTrailView } from '../member-network/member-usage';

/** libs/contracts/proto/ledger_bridge.proto, from this file's place in the repository. */
export const LEDGER_BRIDGE_PROTO = join(__dirname, '..', '..', '..', '..', 'libs', 'contracts', 'proto', 'ledger_bridge.proto');

type Message = Record<string, unknown>;

/**
 * A GetUsageRequest (proto field names; an unset proto3 `optional` is absent) as the HTTP route's
 * path and query (`daoId`, `version` as text), so that the one zod schema of member-usage.ts judges
 * both edges the same way.
 */
export function usageArgumentsOf(request: Message): { dataset: string; query: Record<string, unknown> } {
  const version = request['version'];
  return {
    dataset: typeof request['dataset'] === 'string' ? request['dataset'] : '',
    query: { daoId: request['dao_id'] ?? '', ...(version !== undefined && version !== null ? { version: String(version) } : {}) },
  };
}

/** One entry as a datawell.ledgerbridge.v1.UsageEntry: the optional fields only where the ledger has them. */
export function usageEntryMessage(e: UsageEntryView): Message {
  return {
    usage_id: e.usageId,
    dataset: { owner: e.dataset.owner, name: e.dataset.name },
    requester: { msp_id: e.requester.mspId, ...(e.requester.enrollmentId !== undefined ? { enrollment_id: e.requester.enrollmentId } : {}) },
    computation: e.computation,
    parameters_digest: e.parametersDigest,
    recipients: [...e.recipients],
    outcome: e.outcome,
    ...(e.rows !== undefined ? { rows: e.rows } : {}),
    ...(e.resultDigest !== undefined ? { result_digest: e.resultDigest } : {}),
    ...(e.check !== undefined ? { check: e.check } : {}),
    ...(e.failure !== undefined ? { failure: e.failure } : {}),
    recorded_by: e.recordedBy,
    at_ms: e.atMs,
    tx_id: e.txId,
    version: e.version,
    channel: e.channel,
  };
}

/** A transfer as a datawell.ledgerbridge.v1.Transfer. */
export function transferMessage(t: MemberTransfer): Message {
  return {
    dao_id: t.daoId,
    transfer_id: t.transferId,
    channels: t.channels.map(({ channel, version, txId, transfer: x }) => ({
      channel,
      version,
      ...(txId !== undefined ? { tx_id: txId } : {}),
      status: x.status,
      from: x.from,
      to: x.to,
      consents: Array.isArray(x['consents']) ? x['consents'] : [],
      accepted: x['acceptedAtMs'] !== undefined,
      consented: x['consented'] === true,
      consented_ppm: Number(x['consentedPpm'] ?? 0),
      active_ownership_ppm: Number(x['activeOwnershipPpm'] ?? 0),
    })),
  };
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The trail as a datawell.ledgerbridge.v1.UsageTrail. */
export function usageTrailMessage(t: UsageTrailView): Message {
  return { dao_id: t.daoId, dataset: t.dataset, entries: t.entries.map(usageEntryMessage) };
}

/**
 * The rpcs of datawell.ledgerbridge.v1.LedgerBridge on a member's bridge: the HTTP routes' service
 * calls (member-usage.ts), the caller authenticated from the bearer token in the metadata (or a
 * mutual-TLS client certificate). The platform's server maps the typed errors to statuses and sends
 * their stable code as trailing metadata `datawell-code`.
 */
@Injectable()
export class LedgerBridgeGrpc {
  readonly #usage: MemberUsage;
  readonly #dao: MemberDao;

  constructor(
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(MEMBER_LEDGER) ledger: MemberLedger,
  ) {
    this.#usage = new MemberUsage(ledger);
    this.#dao = new MemberDao(ledger);
  }

  async OfferTransfer(request: Message, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    await this.#own(metadata, peer);
    const id = request['transfer_id'];
    return transferMessage(await this.#dao.offerTransfer(text(request['dao_id']), { to: request['to'], ...(typeof id === 'string' && id !== '' ? { transferId: id } : {}) }));
  }

  async ConsentTransfer(request: Message, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    await this.#own(metadata, peer);
    return transferMessage(await this.#dao.consentTransfer(text(request['dao_id']), text(request['transfer_id'])));
  }

  async AcceptTransfer(request: Message, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    await this.#own(metadata, peer);
    return transferMessage(await this.#dao.acceptTransfer(text(request['dao_id']), text(request['transfer_id'])));
  }

  async GetTransfer(request: Message, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    await this.#own(metadata, peer);
    return transferMessage(await this.#dao.transfer(text(request['dao_id']), text(request['transfer_id'])));
  }

  /** The caller, who must be an identity of this bridge's own organisation (as the HTTP routes require). */
  async #own(metadata: Metadata, peer: GrpcCallPeer): Promise<Principal> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    ownOrganisationOnly(this.#dao.mspId, principal);
    return principal;
  }

  async GetUsage(request: Message, metadata: Metadata, peer: GrpcCallPeer = {}): Promise<unknown> {
    const principal = await this.auth.authenticateCall(metadata, peer.certificatePem);
    const { dataset, query } = usageArgumentsOf(request);
    return usageTrailMessage(await this.#usage.trailFor(principal, dataset, query));
  }
}

export const LEDGER_BRIDGE_GRPC: GrpcServiceOptions = { protoFile: LEDGER_BRIDGE_PROTO, service: 'datawell.ledgerbridge.v1.LedgerBridge', handlers: LedgerBridgeGrpc };

/**
 * Whether this bridge serves gRPC: a member's bridge with its own peer and wallet (exactly when
 * MemberDaoModule provides its ledger and the handlers); the operator's bridge keeps gRPC off.
 */
export function ledgerBridgeGrpc(config: LedgerBridgeServiceConfig): GrpcServiceOptions | undefined {
  const s = config.settings;
  return s.member && s.fabric && s.walletDir ? LEDGER_BRIDGE_GRPC : undefined;
}
