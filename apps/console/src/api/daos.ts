import { ApiError, member, unwrap } from './client';
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
}

/** A member's accumulated entitlement on a version's channel (GetEntitlements; amount in minor units). */
export interface Entitlement {
  mspId: string;
  amount: string;
  allocations: number;
}

const record = (v: unknown, what: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(502, 'UNEXPECTED_ANSWER', `${what} is not an object`);
  return v as Record<string, unknown>;
};
const field = <T>(o: Record<string, unknown>, key: string, type: 'string' | 'number', what: string): T => {
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

const read = async (daoId: string, version: number, what: 'state' | 'entitlements') =>
  unwrap(await member.GET('/daos/{daoId}/versions/{version}/{what}', { params: { path: { daoId, version: String(version), what } } }));

export const daosApi = {
  version: async (daoId: string, version: number) => parseVersion(await read(daoId, version, 'state')),
  entitlements: async (daoId: string, version: number) => parseEntitlements(await read(daoId, version, 'entitlements')),
};

/** ppm → a percentage with up to four decimals ("80 %", "12.3456 %"). */
export const percent = (ppm: number) => `${(ppm / 10_000).toLocaleString('en', { maximumFractionDigits: 4 })} %`;

/** The DAOs a member formed or joined: the formed sessions it was a party to, by DAO, with their versions. */
export function daosOf(sessions: readonly SessionSummary[]): Array<{ daoId: string; versions: number[] }> {
  const byDao = new Map<string, Set<number>>();
  for (const s of sessions) if (s.status === 'formed') byDao.set(s.daoId, (byDao.get(s.daoId) ?? new Set()).add(s.version));
  return [...byDao].map(([daoId, versions]) => ({ daoId, versions: [...versions].sort((a, b) => a - b) })).sort((a, b) => a.daoId.localeCompare(b.daoId));
}
