import { findDomain, memberServiceUrl, orgAdminIdentity, type CollectionAnswer, type DomainCollectionApprover, type DomainConfigSigner, type StackContext } from '@datawell/stack';
import { login } from '../identity/client';
import type { DomainMember } from './domains';
import { ApiError, call, tokenAt, until, type Party } from './api';

type TransferView = { transferId: string; status: string; from: string; to: string; consents: string[]; consented?: boolean; acceptedAtMs?: number };
type MemberTransfer = { daoId: string; transferId: string; channels: Array<{ channel: string; version: number; txId?: string; transfer: TransferView }> };

export interface TransferRunOptions {
  readonly daoId: string;
  /** The member that hands over its whole position. */
  readonly from: DomainMember;
  /** The recipient: another member of the leaver's group, or a newcomer registered on the marketplace with its role. */
  readonly to: DomainMember;
  /** The other members who consent, through their own bridges, in this order until the rule holds (put the founding group D first). */
  readonly consenting: readonly DomainMember[];
  readonly transferId?: string;
  /**
   * For a newcomer: seats it on the given channels (the leaver's, its level and above) before it
   * accepts (config updates signed by a majority of each channel's admins, a domain's by its own
   * bridge after its check of the update against `transferId`, its peer joined: e.g. libs/stack
   * seatOnChannel with `bridgeConfigSigner`; its own bridge is then asked to relay them), and
   * `unseat` afterwards removes the leaver. Leave out for a member of the group.
   */
  readonly seat?: (newcomer: string, channels: readonly string[], transferId: string) => Promise<void>;
  readonly unseat?: (leaver: string, channels: readonly string[], transferId: string) => Promise<void>;
  readonly progress: (message: string) => void;
  readonly timeoutMs?: number;
}

/** What the transfer did: who gave its position to whom, the channels the recipient sits in for it, and the transfer on each. */
export interface TransferRunResult {
  readonly from: string;
  readonly to: string;
  readonly channels: readonly string[];
  readonly transferId: string;
  readonly completed: Record<string, TransferView>;
}

/**
 * A transfer of rights with every party in its own trust domain, each step through the acting
 * member's own bridge (its identity, its peer): the leaver offers on every channel of the DAO its peer
 * has joined, the others consent until the join consent rule holds on each, the newcomer (if it is
 * one) is seated on exactly those channels, the recipient accepts, which moves the position, and the
 * leaver is unseated. Answers `{from, to, channels}` as the governance scenario reports it.
 */
export async function runTransfer(opts: TransferRunOptions): Promise<TransferRunResult> {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const { daoId, from, to, progress } = opts;
  const parties = new Map<string, Party>();
  const as = async <T>(m: DomainMember, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const party = parties.get(m.mspId) ?? { mspId: m.mspId, role: m.role, identity: m.identity, tokens: new Map<string, string>() };
    parties.set(m.mspId, party);
    return call<T>(`${m.bridgeUrl}/daos/${daoId}${path}`, { method, token: await tokenAt(party, m.bridgeUrl, timeoutMs), ...(body === undefined ? {} : { body }) });
  };

  progress(`${from.mspId} offers its position in DAO ${daoId} to ${to.mspId} through its own bridge`);
  const offered = await as<MemberTransfer>(from, 'POST', '/transfers', { to: to.mspId, ...(opts.transferId ? { transferId: opts.transferId } : {}) });
  const { transferId } = offered;
  const channels = offered.channels.map((c) => c.channel);
  let state = offered;
  for (const m of opts.consenting) {
    if (state.channels.every((c) => c.transfer.consented === true || c.transfer.status === 'completed')) break;
    progress(`${m.mspId} consents to transfer ${transferId} through its own bridge`);
    state = await as<MemberTransfer>(m, 'POST', `/transfers/${transferId}/consent`);
  }
  if (opts.seat) {
    progress(`seating ${to.mspId} on ${channels.join(', ')}`);
    await opts.seat(to.mspId, channels, transferId);
    // The newcomer's own bridge relays and serves the channels it was seated on.
    for (const channel of channels) await as(to, 'POST', `/versions/${channel.slice(channel.lastIndexOf('-v') + 2)}/seat`);
  }
  progress(`${to.mspId} accepts transfer ${transferId} through its own bridge`);
  const accepted = await until(
    `${to.mspId}'s bridge to accept on ${channels.join(', ')}`,
    async () => {
      const answer = await as<MemberTransfer>(to, 'POST', `/transfers/${transferId}/accept`);
      return channels.every((ch) => answer.channels.some((c) => c.channel === ch)) ? answer : undefined;
    },
    timeoutMs,
    2000,
  );
  const open = accepted.channels.filter((c) => c.transfer.status !== 'completed').map((c) => c.channel);
  if (open.length > 0) throw new Error(`transfer ${transferId} is accepted but not completed on ${open.join(', ')}: the consent rule does not hold there`);
  if (opts.unseat) {
    progress(`removing ${from.mspId} from ${channels.join(', ')}`);
    await opts.unseat(from.mspId, channels, transferId);
  }
  return { from: from.mspId, to: to.mspId, channels, transferId, completed: Object.fromEntries(accepted.channels.map((c) => [c.channel, c.transfer])) };
}

/**
 * Carries a seat's or an unseat's config update to a domain's own bridge, signed in as that
 * organisation's admin (only its admin may ask), which checks the update against its own peer and
 * signs it as its admin (POST /daos/:daoId/versions/:version/config-updates/signature; the last
 * signer's bridge also submits it, `submit`), or refuses it
 * (the bridge's error, e.g. 422 CONFIG_UPDATE_REFUSED, is thrown as an ApiError). For libs/stack
 * seatOnChannel / unseatFromChannel.
 */
export function bridgeConfigSigner(ctx: StackContext): DomainConfigSigner {
  const admin = orgAdminBridge(ctx);
  return async (mspId, request) => {
    const { url, token } = await admin(mspId);
    const answer = await call<{ envelope: string }>(`${url}/daos/${request.daoId}/versions/${request.version}/config-updates/signature`, {
      method: 'POST',
      token,
      body: { transferId: request.transferId, envelope: request.envelope.toString('base64'), ...(request.submit ? { submit: true } : {}) },
    });
    return Buffer.from(answer.envelope, 'base64');
  };
}

/**
 * Asks a domain's own bridge, signed in as that organisation's admin, to approve the dao chaincode's
 * new collection after a seat or an unseat (POST /daos/:daoId/versions/:version/collection): the
 * bridge reads the committed definition and the channel's organisations from its own peer and
 * approves as its admin; with `commit` (the last one) it also commits once its peer shows every
 * approval. A 409 COLLECTION_NOT_APPROVED is answered as `not-approved` with the organisations it
 * misses (libs/stack asks again); any other refusal is thrown as an ApiError. For libs/stack
 * seatOnChannel / unseatFromChannel (`SeatSignatures.collection`).
 */
export function bridgeCollectionApprover(ctx: StackContext): DomainCollectionApprover {
  const admin = orgAdminBridge(ctx);
  return async (mspId, request) => {
    const { url, token } = await admin(mspId);
    try {
      return await call<CollectionAnswer>(`${url}/daos/${request.daoId}/versions/${request.version}/collection`, { method: 'POST', token, body: request.commit ? { commit: true } : {} });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'COLLECTION_NOT_APPROVED') {
        const missing = (error.details as { missing?: unknown } | undefined)?.missing;
        return { outcome: 'not-approved', missing: Array.isArray(missing) ? missing.map(String) : [] };
      }
      throw error;
    }
  };
}

/** A domain's bridge and a token of its organisation's admin there (signed in once per organisation). */
function orgAdminBridge(ctx: StackContext): (mspId: string) => Promise<{ url: string; token: string }> {
  const tokens = new Map<string, string>();
  return async (mspId) => {
    const url = memberServiceUrl(ctx.settings, findDomain(ctx, mspId), 'ledger-bridge');
    let token = tokens.get(mspId);
    if (!token) {
      token = await login(url, orgAdminIdentity(ctx, mspId));
      tokens.set(mspId, token);
    }
    return { url, token };
  };
}
