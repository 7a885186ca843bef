import { ApiError, member, unwrap } from './client';
import { field, record } from './daos';

/*
 * A member's transfer of its whole position (docs/economics.md, "Transfer of rights") through its
 * OWN domain's ledger bridge, as `./dev dao transfer` does it: the leaver offers, the recipient
 * accepts, the other members consent; each step is a transaction the acting member's organisation
 * signs on its own peer (the bridge's identity of it) on every channel of the DAO its peer has joined
 * that holds the position, and the bridge answers the transfer as GetTransfer reads it on each. The
 * bridge documents these answers without a schema, so the fields the page shows are checked here.
 */

/** A transfer on one channel, as GetTransfer reads it there, with where the join consent rule stands on it. */
export interface TransferOnChannel {
  channel: string;
  version: number;
  /** The transaction of this step on this channel; absent when the channel recorded it already (a retry). */
  txId?: string;
  transferId: string;
  from: string;
  to: string;
  status: string;
  group?: string;
  ownershipPpm?: number;
  /** Members who consented, the leaver first (its offer is its consent). */
  consents: string[];
  offeredAtMs?: number;
  acceptedAtMs?: number;
  completedAtMs?: number;
  consentedPpm: number;
  activeOwnershipPpm: number;
  /** Active members of the founding group D who have not consented (each must). */
  foundingMissing: string[];
  /** Whether the consent rule holds: every active member of D, and more than half of the active ownership. */
  consented: boolean;
}

export interface Transfer {
  daoId: string;
  transferId: string;
  /** Lowest version first. */
  channels: TransferOnChannel[];
}

const unexpected = (what: string) => new ApiError(502, 'UNEXPECTED_ANSWER', what);
const text = (o: Record<string, unknown>, key: string, what: string): string => field<string>(o, key, 'string', what);
const num = (o: Record<string, unknown>, key: string, what: string): number => field<number>(o, key, 'number', what);
const texts = (o: Record<string, unknown>, key: string, what: string): string[] => {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) throw unexpected(`${what}.${key} is not a list of MSP ids`);
  return v;
};
const optNum = (o: Record<string, unknown>, key: string, what: string): { [k: string]: number } => (o[key] === undefined ? {} : { [key]: num(o, key, what) });

/** The bridge's answer to a transfer route ({daoId, transferId, channels: [{channel, version, txId?, transfer}]}), checked. */
export function parseTransfer(answer: unknown): Transfer {
  const a = record(answer, 'the transfer');
  const channels = a['channels'];
  if (!Array.isArray(channels) || channels.length === 0) throw unexpected('the transfer has no channels');
  return {
    daoId: text(a, 'daoId', 'transfer'),
    transferId: text(a, 'transferId', 'transfer'),
    channels: channels.map((c: unknown) => {
      const on = record(c, 'a channel of the transfer');
      const t = record(on['transfer'], 'channel.transfer');
      if (typeof t['consented'] !== 'boolean') throw unexpected('transfer.consented is not a boolean');
      return {
        channel: text(on, 'channel', 'channel'),
        version: num(on, 'version', 'channel'),
        ...(on['txId'] === undefined ? {} : { txId: text(on, 'txId', 'channel') }),
        transferId: text(t, 'transferId', 'transfer'),
        from: text(t, 'from', 'transfer'),
        to: text(t, 'to', 'transfer'),
        status: text(t, 'status', 'transfer'),
        ...(typeof t['group'] === 'string' ? { group: t['group'] } : {}),
        ...optNum(t, 'ownershipPpm', 'transfer'),
        consents: texts(t, 'consents', 'transfer'),
        ...optNum(t, 'offeredAtMs', 'transfer'),
        ...optNum(t, 'acceptedAtMs', 'transfer'),
        ...optNum(t, 'completedAtMs', 'transfer'),
        consentedPpm: num(t, 'consentedPpm', 'transfer'),
        activeOwnershipPpm: num(t, 'activeOwnershipPpm', 'transfer'),
        foundingMissing: t['foundingMissing'] === undefined ? [] : texts(t, 'foundingMissing', 'transfer'),
        consented: t['consented'],
      };
    }),
  };
}

const MSP_ID = /^[A-Za-z][A-Za-z0-9]*MSP$/;
const TRANSFER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The recipient typed in the form, or an error naming the field (the bridge checks it again). */
export function recipientOf(typed: string, me: string): string {
  const to = typed.trim();
  if (!MSP_ID.test(to)) throw new Error('Recipient: an MSP id, letters and digits ending in "MSP"');
  if (to === me) throw new Error('Recipient: another organisation than yours');
  return to;
}

/** A transfer id typed in the form, or an error naming the field. */
export function transferIdOf(typed: string): string {
  const id = typed.trim();
  if (!TRANSFER_ID.test(id)) throw new Error('Transfer id: 1-128 letters, digits, ".", "_", ":" or "-"');
  return id;
}

/** What this member may do with the transfer now: accept it (its recipient), consent to it (another active member), or nothing. */
export function stepFor(t: Transfer, me: string, activeMember: boolean): 'accept' | 'consent' | undefined {
  const open = t.channels.filter((c) => c.status === 'offered');
  if (open.length === 0) return undefined;
  if (open.some((c) => c.to === me)) return open.some((c) => c.acceptedAtMs === undefined) ? 'accept' : undefined;
  if (!activeMember || open.some((c) => c.from === me)) return undefined;
  return open.some((c) => !c.consents.includes(me)) ? 'consent' : undefined;
}

const answer = async (r: Promise<{ data?: unknown; error?: unknown; response: Response }>) => parseTransfer(unwrap(await r));

export const transfersApi = {
  offer: (daoId: string, to: string) => answer(member.POST('/daos/{daoId}/transfers', { params: { path: { daoId } }, body: { to } })),
  get: (daoId: string, transferId: string) => answer(member.GET('/daos/{daoId}/transfers/{transferId}', { params: { path: { daoId, transferId } } })),
  accept: (daoId: string, transferId: string) => answer(member.POST('/daos/{daoId}/transfers/{transferId}/accept', { params: { path: { daoId, transferId } } })),
  consent: (daoId: string, transferId: string) => answer(member.POST('/daos/{daoId}/transfers/{transferId}/consent', { params: { path: { daoId, transferId } } })),
};
