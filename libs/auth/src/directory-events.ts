import type { ParticipantRegisteredPayload } from '@datawell/contracts';
import type { DirectoryEntry } from './principal';

/**
 * The directory entry a `ParticipantRegistered` of the marketplace chaincode makes (the decision of
 * the DirectoryUpdater's ledger-event handler; decoding and the channel check are the catalogue's).
 */
export function directoryEntryOf(participant: ParticipantRegisteredPayload): DirectoryEntry {
  const { mspId, role, name, status, caCertPem } = participant;
  return { mspId, role, name, status, caCertPem };
}
