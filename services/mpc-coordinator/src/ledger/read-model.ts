import { z } from 'zod';
import { daoChannelName, MARKETPLACE, MARKETPLACE_CHANNEL, type LedgerEvent } from '@datawell/contracts';
import type { VersionMember } from '../computations/authorization';

/**
 * The coordinator's read model of DAO versions, pure: only the marketplace's public directory
 * (DaoPublished on the marketplace channel, which the operator's peer is on) gives a version — a
 * public version: its listed members (MSP ids) active, or all inactive once dissolved, its roles and
 * terms unknown. In a deployment of trust domains the operator's peer is on no DAO channel, so no
 * event of one (VersionCreated, MemberExited, InfrastructureProvisioned, …) is read.
 *
 * A DAO's entry in the marketplace's public directory, as the coordinator keeps it: the version it
 * lists, that version's channel, its members' MSP ids when listed (absent: those already known), and
 * whether the DAO is dissolved (its members then inactive).
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
 * active, every one inactive once dissolved), or why it changes nothing — a dissolution without
 * members of a version not known yet.
 */
export function publicVersionMembers(
  existing: { readonly members: readonly VersionMember[] } | undefined,
  update: PublicVersionUpdate,
): { readonly members: VersionMember[] } | { readonly skipped: string } {
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
