import { decodeCloudEvent, LEDGER_EVENT_TYPE, ledgerEventSchema, parseDaoChannel } from '@datawell/contracts';
import { z } from 'zod';
import type { AgreementMember } from '../sessions/agreement';

const memberSchema = z.object({
  mspId: z.string().min(1),
  group: z.string().regex(/^(D|J[1-9]\d{0,3})$/),
  role: z.enum(['DSP', 'VSP']),
  weight: z.number().int().positive(),
  ownershipPpm: z.number().int().min(0).max(1_000_000),
});
const versionCreated = z.object({ daoId: z.string().min(1), version: z.number().int().positive(), agreementId: z.string().min(1), members: z.array(memberSchema).min(1) });
const departure = z.object({ mspId: z.string().min(1), dissolved: z.boolean().default(false) });

export type DaoUpdate =
  | { readonly kind: 'version'; readonly eventId: string; readonly daoId: string; readonly version: number; readonly agreementId: string; readonly members: AgreementMember[] }
  | { readonly kind: 'departure'; readonly eventId: string; readonly daoId: string; readonly version: number; readonly mspId: string; readonly status: 'abandoned' | 'exited'; readonly dissolved: boolean };

/** What a relayed ledger event changes in the DAO read model, if anything. */
export function daoUpdateOf(value: Buffer | null, warn: (problem: string) => void): DaoUpdate | undefined {
  let event;
  try {
    event = decodeCloudEvent(value, LEDGER_EVENT_TYPE, ledgerEventSchema);
  } catch (error) {
    warn(String(error));
    return undefined;
  }
  const data = event.data;
  const channel = parseDaoChannel(data.channel);
  if (!channel) return undefined;
  if (data.eventName === 'VersionCreated') {
    const payload = versionCreated.safeParse(data.payload);
    if (!payload.success || payload.data.daoId !== channel.daoId || payload.data.version !== channel.level) {
      warn(`VersionCreated ${event.id} on ${data.channel} without a usable version`);
      return undefined;
    }
    return { kind: 'version', eventId: event.id, ...payload.data };
  }
  if (data.eventName === 'MemberAbandoned' || data.eventName === 'MemberExited') {
    const payload = departure.safeParse(data.payload);
    if (!payload.success) {
      warn(`${data.eventName} ${event.id} without a member`);
      return undefined;
    }
    return {
      kind: 'departure',
      eventId: event.id,
      daoId: channel.daoId,
      version: channel.level,
      mspId: payload.data.mspId,
      status: data.eventName === 'MemberAbandoned' ? 'abandoned' : 'exited',
      dissolved: payload.data.dissolved,
    };
  }
  return undefined;
}
