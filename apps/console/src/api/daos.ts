import { ApiError, member, unwrap } from './client';
import type { components } from './member.gen';
import type { SessionSummary } from './negotiation';

/*
 * The member's OWN domain's ledger bridge (member mode), through its typed client (member.gen.ts,
 * generated from the bridge's OpenAPI document): the paths and parameters are checked there. The
 * bridge documents these reads' answers as the chaincode's JSON without a schema (`unknown`), so the
 * page checks the fields it shows here instead of casting them.
 */

export interface MemberOfVersion {
  mspId: string;
  group: string;
  role: 'DSP' | 'VSP';
  weight: number;
  ownershipPpm: number;
  status: string;
  /** Set once the member gave notice of its exit (RequestExit), with when it may complete. */
  exitRequestedAtMs?: number;
  exitEffectiveAtMs?: number;
  /** Set once the member handed its position over by a transfer of rights (it is then exited). */
  transferredTo?: string;
}

/** A DAO version as the dao chaincode's GetVersion answers it (the fields the page shows). */
export interface DaoVersion {
  daoId: string;
  version: number;
  channel: string;
  betaPpm: number;
  status: string;
  members: MemberOfVersion[];
  successorChannel?: string;
  /** The version's terms as the chaincode keeps them (governance/parseTerms checks what a change of terms needs). */
  terms: unknown;
  /** The version's infrastructure spec as the chaincode keeps it (computations/datasetsOf reads the datasets it names). */
  infrastructure: unknown;
}

/** A member's accumulated entitlement on a version's channel (GetEntitlements; amount in minor units). */
export interface Entitlement {
  mspId: string;
  amount: string;
  allocations: number;
}

/** A bridge's answer checked to be an object (502 UNEXPECTED_ANSWER otherwise); shared by the pages' answer parsers. */
export const record = (v: unknown, what: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(502, 'UNEXPECTED_ANSWER', `${what} is not an object`);
  return v as Record<string, unknown>;
};
/** A field of a checked answer of the given type (502 UNEXPECTED_ANSWER otherwise). */
export const field = <T>(o: Record<string, unknown>, key: string, type: 'string' | 'number', what: string): T => {
  if (typeof o[key] !== type) throw new ApiError(502, 'UNEXPECTED_ANSWER', `${what}.${key} is not a ${type}`);
  return o[key] as T;
};

export function parseVersion(answer: unknown): DaoVersion {
  const v = record(answer, 'the version');
  const states = v['memberStates'];
  if (!Array.isArray(states)) throw new ApiError(502, 'UNEXPECTED_ANSWER', 'the version has no memberStates');
  return {
    daoId: field(v, 'daoId', 'string', 'version'),
    version: field(v, 'version', 'number', 'version'),
    channel: field(v, 'channel', 'string', 'version'),
    betaPpm: field(v, 'betaPpm', 'number', 'version'),
    status: field(v, 'status', 'string', 'version'),
    ...(typeof v['successorChannel'] === 'string' ? { successorChannel: v['successorChannel'] } : {}),
    terms: v['terms'],
    infrastructure: v['infrastructure'],
    members: states.map((s: unknown) => {
      const m = record(s, 'a member');
      const role = field<string>(m, 'role', 'string', 'member');
      return {
        mspId: field(m, 'mspId', 'string', 'member'),
        group: field(m, 'group', 'string', 'member'),
        role: role === 'DSP' ? 'DSP' : 'VSP',
        weight: field(m, 'weight', 'number', 'member'),
        ownershipPpm: field(m, 'ownershipPpm', 'number', 'member'),
        status: field(m, 'status', 'string', 'member'),
        ...(typeof m['exitRequestedAtMs'] === 'number' ? { exitRequestedAtMs: m['exitRequestedAtMs'] } : {}),
        ...(typeof m['exitEffectiveAtMs'] === 'number' ? { exitEffectiveAtMs: m['exitEffectiveAtMs'] } : {}),
        ...(typeof m['transferredTo'] === 'string' ? { transferredTo: m['transferredTo'] } : {}),
      };
    }),
  };
}

export function parseEntitlements(answer: unknown): Entitlement[] {
  if (!Array.isArray(answer)) throw new ApiError(502, 'UNEXPECTED_ANSWER', 'the entitlements are not a list');
  return answer.map((e: unknown) => {
    const o = record(e, 'an entitlement');
    return { mspId: field(o, 'mspId', 'string', 'entitlement'), amount: field(o, 'amount', 'string', 'entitlement'), allocations: field(o, 'allocations', 'number', 'entitlement') };
  });
}

/**
 * A version's channel and its organisations as Fabric's channel config reports them (the bridge reads
 * the config block through its organisation's own peer): not the chaincode's member states, which
 * the page shows beside it.
 */
export interface VersionChannel {
  daoId: string;
  version: number;
  channel: string;
  organisations: string[];
  source: 'fabric-channel-config';
}

export function parseChannel(answer: unknown): VersionChannel {
  const o = record(answer, 'the channel');
  const organisations = o['organisations'];
  if (!Array.isArray(organisations) || organisations.some((x) => typeof x !== 'string')) throw new ApiError(502, 'UNEXPECTED_ANSWER', 'channel.organisations is not a list of names');
  if (o['source'] !== 'fabric-channel-config') throw new ApiError(502, 'UNEXPECTED_ANSWER', 'the channel is not read from Fabric\'s channel config');
  return {
    daoId: field(o, 'daoId', 'string', 'channel'),
    version: field(o, 'version', 'number', 'channel'),
    channel: field(o, 'channel', 'string', 'channel'),
    organisations: [...(organisations as string[])].sort(),
    source: 'fabric-channel-config',
  };
}

/** One allocation on a version's channel (GetAllocation): a revenue recorded there, or the rest relayed to it from the next version's channel. */
export interface Allocation {
  allocationId: string;
  source: { kind: 'revenue'; revenueId: string } | { kind: 'relay'; sourceChannel: string; sourceTxId: string };
  /** The lump split at this level (minor units), with the β used for it. */
  lump: string;
  betaPpm: number;
  payouts: Array<{ mspId: string; amount: string }>;
  rest: string;
  /** Where the rest went: the previous version's channel, or (on version 1) group D. */
  restTo: { channel: string } | { group: 'D' };
  txId: string;
  atMs: number;
}

export function parseAllocations(answer: unknown): Allocation[] {
  if (!Array.isArray(answer)) throw new ApiError(502, 'UNEXPECTED_ANSWER', 'the allocations are not a list');
  return answer.map((a: unknown) => {
    const o = record(a, 'an allocation');
    const source = record(o['source'], 'allocation.source');
    const restTo = record(o['restTo'], 'allocation.restTo');
    const payouts = o['payouts'];
    if (!Array.isArray(payouts)) throw new ApiError(502, 'UNEXPECTED_ANSWER', 'allocation.payouts is not a list');
    return {
      allocationId: field(o, 'allocationId', 'string', 'allocation'),
      source:
        source['kind'] === 'revenue'
          ? { kind: 'revenue', revenueId: field(source, 'revenueId', 'string', 'allocation.source') }
          : { kind: 'relay', sourceChannel: field(source, 'sourceChannel', 'string', 'allocation.source'), sourceTxId: field(source, 'sourceTxId', 'string', 'allocation.source') },
      lump: field(o, 'lump', 'string', 'allocation'),
      betaPpm: field(o, 'betaPpm', 'number', 'allocation'),
      payouts: payouts.map((p: unknown) => {
        const x = record(p, 'a payout');
        return { mspId: field(x, 'mspId', 'string', 'payout'), amount: field(x, 'amount', 'string', 'payout') };
      }),
      rest: field(o, 'rest', 'string', 'allocation'),
      restTo: typeof restTo['channel'] === 'string' ? { channel: restTo['channel'] } : { group: 'D' },
      txId: field(o, 'txId', 'string', 'allocation'),
      atMs: field(o, 'atMs', 'number', 'allocation'),
    };
  });
}

/** A revenue event followed down the versions this member can read: what each level paid whom. */
export interface RevenueEvent {
  revenueId: string;
  /** The version whose (then top) channel recorded it. */
  version: number;
  amount: string;
  txId: string;
  atMs: number;
  /** Each level's allocation, from the recording version down (a relay's txId is its own transaction). */
  levels: Array<{ version: number; txId: string; lump: string; betaPpm: number; payouts: Array<{ mspId: string; amount: string }> }>;
  /** Each member's payout of this revenue, summed over the levels read. */
  payouts: Record<string, string>;
  /**
   * A rest whose payouts are not shown: relayed to a version this member's peer is not on (it joined
   * later), or not relayed yet (the DSP's bridge relays it within seconds).
   */
  restNotShown?: { channel: string; amount: string; why: 'not-your-channel' | 'not-relayed-yet' };
}

/**
 * The DAO's revenue events with each member's payout: each revenue allocation on version k, then the
 * relay of its rest on version k−1 (source channel k's, source transaction the revenue's), and so on
 * down to version 1, whose rest is D's (already among version 1's payouts).
 */
export function revenueEvents(versions: ReadonlyArray<{ version: number; channel: string; allocations: readonly Allocation[] }>): RevenueEvent[] {
  const byVersion = new Map(versions.map((v) => [v.version, v]));
  const events: RevenueEvent[] = [];
  for (const v of versions) {
    for (const a of v.allocations) {
      if (a.source.kind !== 'revenue') continue;
      const event: RevenueEvent = { revenueId: a.source.revenueId, version: v.version, amount: a.lump, txId: a.txId, atMs: a.atMs, levels: [], payouts: {} };
      let at: { version: number; channel: string; allocation: Allocation } | undefined = { version: v.version, channel: v.channel, allocation: a };
      while (at) {
        const { allocation } = at;
        event.levels.push({ version: at.version, txId: allocation.txId, lump: allocation.lump, betaPpm: allocation.betaPpm, payouts: allocation.payouts });
        for (const p of allocation.payouts) event.payouts[p.mspId] = (BigInt(event.payouts[p.mspId] ?? '0') + BigInt(p.amount)).toString();
        if (!('channel' in allocation.restTo) || allocation.rest === '0') break;
        const below = byVersion.get(at.version - 1);
        const from: { version: number; channel: string; allocation: Allocation } = at;
        const relay = below?.allocations.find((r) => r.source.kind === 'relay' && r.source.sourceChannel === from.channel && r.source.sourceTxId === from.allocation.txId);
        if (!below || !relay) {
          event.restNotShown = { channel: allocation.restTo.channel, amount: allocation.rest, why: below ? 'not-relayed-yet' : 'not-your-channel' };
          break;
        }
        at = { version: below.version, channel: below.channel, allocation: relay };
      }
      events.push(event);
    }
  }
  return events.sort((x, y) => x.atMs - y.atMs);
}

const read = async (daoId: string, version: number, what: 'state' | 'entitlements') =>
  unwrap(await member.GET('/daos/{daoId}/versions/{version}/{what}', { params: { path: { daoId, version: String(version), what } } }));

export const daosApi = {
  version: async (daoId: string, version: number) => parseVersion(await read(daoId, version, 'state')),
  entitlements: async (daoId: string, version: number) => parseEntitlements(await read(daoId, version, 'entitlements')),
  allocations: async (daoId: string, version: number) =>
    parseAllocations(unwrap(await member.GET('/daos/{daoId}/versions/{version}/allocations', { params: { path: { daoId, version: String(version) } } }))),
  /** The version's channel organisations as Fabric's config reports them at the member's own peer. */
  channel: async (daoId: string, version: number) =>
    parseChannel(unwrap(await member.GET('/daos/{daoId}/versions/{version}/channel', { params: { path: { daoId, version: String(version) } } }))),
  /** RecordRevenue on the DAO's top channel, signed by this member through its own bridge: the channel and the transaction. */
  recordRevenue: async (daoId: string, body: RevenueRequest) => {
    const answer = record(unwrap(await member.POST('/daos/{daoId}/revenue', { params: { path: { daoId } }, body })), 'the answer');
    return { channel: field<string>(answer, 'channel', 'string', 'answer'), revenueId: field<string>(answer, 'revenueId', 'string', 'answer'), txId: field<string>(answer, 'txId', 'string', 'answer') };
  },
};

/** The body of a member's revenue record (the bridge's MemberRevenue). */
export type RevenueRequest = components['schemas']['MemberRevenue'];

/** ppm → a percentage with up to four decimals ("80 %", "12.3456 %"). */
export const percent = (ppm: number) => `${(ppm / 10_000).toLocaleString('en', { maximumFractionDigits: 4 })} %`;

/** The DAOs a member formed or joined: the formed sessions it was a party to, by DAO, with their versions. */
export function daosOf(sessions: readonly SessionSummary[]): Array<{ daoId: string; versions: number[] }> {
  const byDao = new Map<string, Set<number>>();
  for (const s of sessions) if (s.status === 'formed') byDao.set(s.daoId, (byDao.get(s.daoId) ?? new Set()).add(s.version));
  return [...byDao].map(([daoId, versions]) => ({ daoId, versions: [...versions].sort((a, b) => a - b) })).sort((a, b) => a.daoId.localeCompare(b.daoId));
}
