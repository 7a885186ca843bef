import { z } from 'zod';
import { DAO, parseDaoChannel, type LedgerEvent } from '@datawell/contracts';
import type { DaoVersionView, VersionMember } from '../computations/authorization';
import { ledgerNodesOf, type LedgerNodesUpdate } from './ledger-nodes';

/**
 * What a ledger event changes in the coordinator's read model of DAO versions, pure: a version
 * created (VersionCreated on its channel), a member no longer active (MemberAbandoned,
 * MemberExited: from that version on), or the MPC nodes the provisioner runs for the version's
 * members (InfrastructureProvisioned with `resources.mpcNodes`).
 */
export type ReadModelUpdate =
  | { readonly kind: 'version'; readonly version: DaoVersionView }
  | { readonly kind: 'member-status'; readonly daoId: string; readonly fromVersion: number; readonly mspId: string; readonly status: 'abandoned' | 'exited' }
  | LedgerNodesUpdate;

/** What the coordinator needs of VersionCreated (the catalogue's schema, with members read leniently). */
const versionCreated = DAO.events.VersionCreated.pick({ daoId: true, version: true }).extend({
  members: z.array(z.object({ mspId: z.string().min(1), role: z.string().default('VSP'), group: z.string().default('') })).min(1),
  terms: z.object({
    computations: z.array(z.object({ name: z.string().min(1), resultRecipients: z.array(z.string().min(1)) })).default([]),
  }),
});

const memberLeft = DAO.events.MemberExited.pick({ mspId: true });

export function readModelUpdateOf(event: LedgerEvent): ReadModelUpdate | { readonly ignored: string } | undefined {
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
  if (event.eventName === DAO.event.InfrastructureProvisioned) return ledgerNodesOf(channel.daoId, channel.level, event.payload);
  return undefined;
}
