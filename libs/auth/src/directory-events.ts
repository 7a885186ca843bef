import { decodeCloudEvent, LEDGER_EVENT_TYPE, ledgerEventSchema, MARKETPLACE, MARKETPLACE_CHANNEL, type ParticipantRegisteredPayload } from '@datawell/contracts';
import type { DirectoryEntry } from './principal';

/** The directory change a ledger event makes, if any: participants registered on `marketplace`. */
export function directoryUpdateOf(value: Buffer | null, warn: (problem: string) => void): { entry: DirectoryEntry; eventId: string } | undefined {
  let event;
  try {
    event = decodeCloudEvent(value, LEDGER_EVENT_TYPE, ledgerEventSchema);
  } catch (error) {
    warn(String(error));
    return undefined;
  }
  const data = event.data;
  if (data.channel !== MARKETPLACE_CHANNEL || data.eventName !== MARKETPLACE.event.ParticipantRegistered) return undefined;
  const payload = MARKETPLACE.events.ParticipantRegistered.safeParse(data.payload);
  if (!payload.success) {
    warn(`${data.eventName} ${event.id} without a usable participant (${payload.error.issues[0]?.message ?? 'invalid'})`);
    return undefined;
  }
  return { entry: directoryEntryOf(payload.data), eventId: event.id };
}

/** The directory entry a `ParticipantRegistered` of the marketplace chaincode makes. */
export function directoryEntryOf(participant: ParticipantRegisteredPayload): DirectoryEntry {
  const { mspId, role, name, status, caCertPem } = participant;
  return { mspId, role, name, status, caCertPem };
}
