import { z } from 'zod';
import { DAO, daoChannelName, MARKETPLACE, MARKETPLACE_CHANNEL, parseDaoChannel, type LedgerEvent } from '@datawell/contracts';
import type { DaoVersionView, VersionMember } from '../computations/authorization';
import { ledgerNodesOf, type LedgerNodesUpdate } from './ledger-nodes';

/**
 * What a ledger event changes in the coordinator's read model of DAO versions, pure: a version
 * created (VersionCreated on its channel), a member no longer active (MemberAbandoned,
 * MemberExited: from that version on), a position transferred on one version's channel
 * (MemberTransferred: the leaver exited there, the recipient active in its place, and the terms'
 * computations as the chaincode rewrote them), new terms (an accepted change-terms' ProposalDecided),
 * or the MPC nodes the provisioner runs for the version's members (InfrastructureProvisioned with
 * `resources.mpcNodes`); and, from the marketplace's public directory (DaoPublished), a public
 * version: its listed members (MSP ids) active, or all inactive once dissolved, its terms unknown.
 */
export type ReadModelUpdate =
  | { readonly kind: 'version'; readonly version: DaoVersionView }
  | PublicVersionUpdate
  | { readonly kind: 'member-status'; readonly daoId: string; readonly fromVersion: number; readonly mspId: string; readonly status: 'abandoned' | 'exited' }
  | { readonly kind: 'member-transferred'; readonly daoId: string; readonly version: number; readonly from: string; readonly to: string; readonly computations?: DaoVersionView['computations'] }
  | { readonly kind: 'terms'; readonly daoId: string; readonly version: number; readonly computations: DaoVersionView['computations'] }
  | LedgerNodesUpdate;

/** The terms' computations, as VersionCreated, MemberTransferred and change-terms carry them. */
const computations = z.array(z.object({ name: z.string().min(1), resultRecipients: z.array(z.string().min(1)) }));
const termsComputations = z.object({ computations });

/** What the coordinator needs of VersionCreated (the catalogue's schema, with members read leniently). */
const versionCreated = DAO.events.VersionCreated.pick({ daoId: true, version: true }).extend({
  members: z.array(z.object({ mspId: z.string().min(1), role: z.string().default('VSP'), group: z.string().default('') })).min(1),
  terms: z.object({ computations: computations.default([]) }),
});

const memberLeft = DAO.events.MemberExited.pick({ mspId: true });

/**
 * A DAO's entry in the marketplace's public directory, as the coordinator keeps it: the version it
 * lists, that version's channel, its members' MSP ids when listed (absent: those already known), and
 * whether the DAO is dissolved (its members then inactive). Never overwrites a version known from its
 * channel (the repository keeps VersionCreated's view).
 */
export interface PublicVersionUpdate {
  readonly kind: 'public-version';
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly members?: readonly string[];
  readonly dissolved: boolean;
}

// The payload's own `channel` is the channel the event was emitted on (`marketplace`: the chaincode's
// emit puts it there over the entry's), so the version's channel is named from the DAO and version.
const daoPublished = MARKETPLACE.events.DaoPublished.pick({ daoId: true, status: true }).extend({
  version: z.number().int().min(1).max(9999),
  members: z.array(z.string().min(1).max(128)).min(1).max(64).optional(),
});

/**
 * What a public entry makes of the version's row (`existing`, if any): its members (the listed ones
 * active, every one inactive once dissolved), or why it changes nothing — a version known from its
 * channel (VersionCreated) always keeps the channel's view.
 */
export function publicVersionMembers(
  existing: { readonly source: 'channel' | 'directory'; readonly members: readonly VersionMember[] } | undefined,
  update: PublicVersionUpdate,
): { readonly members: VersionMember[] } | { readonly skipped: string } {
  if (existing?.source === 'channel') return { skipped: `${update.daoId} version ${update.version} is known from its channel` };
  const listed = update.members?.map((mspId): VersionMember => ({ mspId, role: '', group: '', status: 'active' })) ?? existing?.members;
  if (!listed) return { skipped: `no public entry of ${update.daoId} version ${update.version} to dissolve` };
  return { members: update.dissolved ? listed.map((m) => ({ ...m, status: 'exited' as const })) : [...listed] };
}

/** The public version a DaoPublished of the marketplace channel lists, or why it cannot be used. */
export function publicVersionOf(event: LedgerEvent): PublicVersionUpdate | { readonly ignored: string } | undefined {
  if (event.channel !== MARKETPLACE_CHANNEL || event.eventName !== MARKETPLACE.event.DaoPublished || event.payloadEncoding !== 'json') return undefined;
  const p = daoPublished.safeParse(event.payload);
  if (!p.success) return { ignored: `${event.eventName} without a usable version or members (${p.error.issues[0]?.path.join('.') ?? ''}: ${p.error.issues[0]?.message ?? 'invalid'})` };
  const { daoId, version } = p.data;
  let channel: string;
  try {
    channel = daoChannelName(daoId, version);
  } catch {
    return { ignored: `${event.eventName} of a DAO id that names no channel` };
  }
  const dissolved = p.data.status === 'dissolved';
  if (!p.data.members && !dissolved) return { ignored: `${event.eventName} of an active DAO without its members` };
  const members = p.data.members && [...new Set(p.data.members)];
  return { kind: 'public-version', daoId, version, channel, ...(members ? { members } : {}), dissolved };
}

const transferred = DAO.events.MemberTransferred.pick({ from: true, to: true }).extend({ terms: termsComputations.optional() });

export function readModelUpdateOf(event: LedgerEvent): ReadModelUpdate | { readonly ignored: string } | undefined {
  if (event.channel === MARKETPLACE_CHANNEL) return publicVersionOf(event);
  const channel = parseDaoChannel(event.channel);
  if (!channel || event.payloadEncoding !== 'json') return undefined;
  if (event.eventName === DAO.event.VersionCreated) {
    const p = versionCreated.safeParse(event.payload);
    if (!p.success) return { ignored: `${event.eventName} without a usable payload (${p.error.issues[0]?.message ?? 'invalid'})` };
    if (p.data.daoId !== channel.daoId || p.data.version !== channel.level) return { ignored: `${event.eventName} of another channel` };
    const members: VersionMember[] = p.data.members.map((m) => ({ mspId: m.mspId, role: m.role, group: m.group, status: 'active' }));
    return {
      kind: 'version',
      version: { daoId: p.data.daoId, version: p.data.version, channel: event.channel, members, computations: p.data.terms.computations },
    };
  }
  if (event.eventName === DAO.event.MemberAbandoned || event.eventName === DAO.event.MemberExited) {
    const p = memberLeft.safeParse(event.payload);
    if (!p.success) return { ignored: `${event.eventName} without an mspId` };
    return {
      kind: 'member-status',
      daoId: channel.daoId,
      fromVersion: channel.level,
      mspId: p.data.mspId,
      status: event.eventName === DAO.event.MemberAbandoned ? 'abandoned' : 'exited',
    };
  }
  if (event.eventName === DAO.event.MemberTransferred) {
    const p = transferred.safeParse(event.payload);
    if (!p.success) return { ignored: `${event.eventName} without its from, to or usable terms (${p.error.issues[0]?.message ?? 'invalid'})` };
    // An event of a chaincode that did not yet rewrite the terms carries none: the computations stay.
    return { kind: 'member-transferred', daoId: channel.daoId, version: channel.level, from: p.data.from, to: p.data.to, ...(p.data.terms ? { computations: p.data.terms.computations } : {}) };
  }
  if (event.eventName === DAO.event.ProposalDecided) {
    const decided = DAO.events.ProposalDecided.safeParse(event.payload);
    if (!decided.success || decided.data.kind !== 'change-terms' || decided.data.outcome !== 'accepted') return undefined;
    const terms = termsComputations.safeParse(decided.data.effect?.terms);
    if (!terms.success) return { ignored: `${event.eventName} of an accepted change-terms without usable terms (${terms.error.issues[0]?.message ?? 'invalid'})` };
    return { kind: 'terms', daoId: channel.daoId, version: channel.level, computations: terms.data.computations };
  }
  if (event.eventName === DAO.event.InfrastructureProvisioned) return ledgerNodesOf(channel.daoId, channel.level, event.payload);
  return undefined;
}

/**
 * A version's members once `from`'s position is `to`'s (the chaincode's movePosition): the leaver
 * exited; a recipient already a member stays as it is; a newcomer takes the leaver's place, with its
 * role and group, active.
 */
export function membersAfterTransfer(members: readonly VersionMember[], from: string, to: string): VersionMember[] {
  const leaver = members.find((m) => m.mspId === from);
  if (!leaver) return [...members];
  const newcomer = members.some((m) => m.mspId === to) ? [] : [{ mspId: to, role: leaver.role, group: leaver.group, status: 'active' as const }];
  return members.flatMap((m) => (m.mspId === from ? [{ ...m, status: 'exited' as const }, ...newcomer] : [m]));
}
