import { negotiation, unwrap } from './client';
import type { components } from './negotiation.gen';

/*
 * The negotiation service's typed client is generated from its OpenAPI document (negotiation.gen.ts):
 * paths, parameters, request bodies (SignedProposal, CreateSession, Acceptance, from the zod schemas
 * that validate them) and responses (SessionView, SessionSummaries, HistoryEntries, AgreementToSign,
 * BetaSuggestion, from the schemas the service ties to what it returns) are all checked here.
 */

type Schemas = components['schemas'];

/** A proposal or counter-proposal as its author sends it, signed (negotiation/proposal-signing.ts). */
export type SignedProposal = Schemas['SignedProposal'];
export type Proposal = SignedProposal['proposal'];
export type CreateSession = Schemas['CreateSession'];
export type Terms = Proposal['terms'];
export type Workload = Proposal['infrastructure']['workloads'][number];

export type SessionView = Schemas['SessionView'];
export type SessionStatus = SessionView['status'];
/** The argument of the dao chaincode's InitVersion, as the service built it from a proposal. */
export type Agreement = NonNullable<SessionView['proposal']>['agreement'];
export type AgreementMember = Agreement['members'][number];
export type SessionSummary = Schemas['SessionSummaries'][number];
export type HistoryEntry = Schemas['HistoryEntries'][number];
export type HistoryChange = HistoryEntry['change'];
export type AgreementToSign = Schemas['AgreementToSign'];
/** GET /suggestions/beta (services/negotiation/src/suggestions/beta.ts). */
export type BetaSuggestion = Schemas['BetaSuggestion'];

export const sessionsApi = {
  list: async () => unwrap(await negotiation.GET('/sessions')),
  get: async (id: string) => unwrap(await negotiation.GET('/sessions/{id}', { params: { path: { id } } })),
  history: async (id: string) => unwrap(await negotiation.GET('/sessions/{id}/history', { params: { path: { id } } })),
  agreement: async (id: string) => unwrap(await negotiation.GET('/sessions/{id}/agreement', { params: { path: { id } } })),
  create: async (body: CreateSession) => unwrap(await negotiation.POST('/sessions', { body })),
  propose: async (id: string, body: SignedProposal) => unwrap(await negotiation.POST('/sessions/{id}/proposals', { params: { path: { id } }, body })),
  /** β for a target ownership of the joining group: of an existing DAO (a join) or of a formation. */
  suggestBeta: async (targetOwnershipPpm: number, daoId?: string) =>
    unwrap(await negotiation.GET('/suggestions/beta', { params: { query: { targetOwnershipPpm, ...(daoId ? { daoId } : {}) } } })),
  accept: async (id: string, body: Schemas['Acceptance']) =>
    unwrap(await negotiation.POST('/sessions/{id}/acceptances', { params: { path: { id } }, body })),
};
