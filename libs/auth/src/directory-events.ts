import { decodeCloudEvent, LEDGER_EVENT_TYPE, ledgerEventSchema, MARKETPLACE_CHANNEL } from '@datawell/contracts';
import { z } from 'zod';
import type { DirectoryEntry } from './principal';

const participantPayload = z.object({
  mspId: z.string().min(1),
  role: z.enum(['DSP', 'VSP']),
  name: z.string(),
  status: z.string().default('active'),
  caCertPem: z.string().min(1),
});

/** The directory change a ledger event makes, if any: participants registered (or updated) on `marketplace`. */
export function directoryUpdateOf(value: Buffer | null, warn: (problem: string) => void): { entry: DirectoryEntry; eventId: string } | undefined {
  let event;
  try {
    event = decodeCloudEvent(value, LEDGER_EVENT_TYPE, ledgerEventSchema);
  } catch (error) {
    warn(String(error));
    return undefined;
  }
  const data = event.data;
  if (data.channel !== MARKETPLACE_CHANNEL || !['ParticipantRegistered', 'ParticipantUpdated'].includes(data.eventName)) return undefined;
  const payload = participantPayload.safeParse(data.payload);
  if (!payload.success) {
    warn(`${data.eventName} ${event.id} without a usable participant (${payload.error.issues[0]?.message ?? 'invalid'})`);
    return undefined;
  }
  return { entry: payload.data, eventId: event.id };
}
