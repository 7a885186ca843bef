import { operator, unwrap } from './client';
import type { components } from './operator.gen';

/*
 * The operator's ledger bridge's typed client is generated from its OpenAPI document (operator.gen.ts):
 * the administration routes with their bodies (ParticipantOnboarding, Sanction) and responses
 * (NetworkView, ParticipantListing, ParticipantRecord, from the zod schemas the bridge ties to what it
 * returns, services/ledger-bridge/src/admin/admin.responses.ts). Its administrators only.
 */

type Schemas = components['schemas'];

export type NetworkView = Schemas['NetworkView'];
export type NetworkChannel = NetworkView['channels'][number];
export type ListedParticipant = Schemas['ParticipantListing']['participants'][number];
export type ParticipantRecord = Schemas['ParticipantRecord'];
export type ParticipantOnboarding = Schemas['ParticipantOnboarding'];

export const operatorApi = {
  network: async () => unwrap(await operator.GET('/admin/network')),
  participants: async () => unwrap(await operator.GET('/admin/participants')),
  /** Registers an organisation on the ledger (a CA and peer for it, or, with ownCa, from its domain's MSP package); idempotent. */
  admit: async (body: ParticipantOnboarding) => unwrap(await operator.POST('/admin/participants', { body })),
  suspend: async (mspId: string, reason: string) => unwrap(await operator.POST('/admin/participants/{mspId}/suspension', { params: { path: { mspId } }, body: { reason } })),
  reinstate: async (mspId: string, reason: string) => unwrap(await operator.POST('/admin/participants/{mspId}/reinstatement', { params: { path: { mspId } }, body: { reason } })),
};
