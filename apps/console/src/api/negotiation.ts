import { negotiation, unwrap } from './client';
import type { components } from './negotiation.gen';

/*
 * The negotiation service's typed client is generated from its OpenAPI document (negotiation.gen.ts):
 * paths, parameters and request bodies (SignedProposal, CreateSession, Acceptance, from the zod schemas
 * that validate them) are checked. Its responses have no schema in that document yet, so their
 * shapes are written here, as services/negotiation/src/sessions/sessions.service.ts returns them;
 * the browser test compares what the room shows with what the service answers.
 */

/** A proposal or counter-proposal as its author sends it, signed (negotiation/proposal-signing.ts). */
export type SignedProposal = components['schemas']['SignedProposal'];
export type Proposal = SignedProposal['proposal'];
export type CreateSession = components['schemas']['CreateSession'];
export type Terms = Proposal['terms'];
export type Workload = Proposal['infrastructure']['workloads'][number];
export type SessionStatus = 'open' | 'agreed' | 'formed' | 'failed';

export interface AgreementMember {
  readonly mspId: string;
  readonly group: string;
  readonly role: 'DSP' | 'VSP';
  readonly weight: number;
  readonly ownershipPpm: number;
}

/** The argument of the dao chaincode's InitVersion, as the service built it from a proposal. */
export interface Agreement {
  readonly agreementId: string;
  readonly daoId: string;
  readonly version: number;
  readonly betaPpm: number;
  readonly members: readonly AgreementMember[];
  readonly terms: Terms;
  readonly infrastructure: { readonly workloads: ReadonlyArray<Omit<Workload, 'placement'> & { placement: 'managed' | 'self-hosted' }>; readonly parameters?: unknown };
  readonly documentDigest: string;
}

export interface SessionView {
  readonly id: string;
  readonly kind: 'formation' | 'join';
  readonly daoId: string;
  readonly version: number;
  readonly status: SessionStatus;
  readonly createdBy: string;
  readonly parties: ReadonlyArray<{ mspId: string; role: 'DSP' | 'VSP'; group: string; required: boolean }>;
  readonly revision: number;
  readonly proposal: {
    revision: number;
    proposedBy: string;
    enrollmentId: string;
    proposedAt: string;
    agreement: Agreement;
    /** How its author signed it (null for a revision proposed before proposals were signed). */
    signed: { answers: number; certificateFingerprint: string; signature: string } | null;
  } | null;
  readonly acceptances: ReadonlyArray<{ mspId: string; enrollmentId: string; acceptedAt: string }>;
  readonly acceptance: { complete: boolean; waitingFor: readonly string[]; acceptedOwnershipPpm?: number; existingOwnershipPpm?: number } | null;
  readonly agreementId: string | null;
  readonly failure: { code: string; message: string } | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SessionSummary {
  readonly id: string;
  readonly kind: 'formation' | 'join';
  readonly daoId: string;
  readonly version: number;
  readonly status: SessionStatus;
  readonly createdBy: string;
  readonly parties: readonly string[];
  readonly revision: number;
  readonly agreementId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type HistoryChange = 'created' | 'proposed' | 'accepted' | 'agreed' | 'formed' | 'failed';

export interface HistoryEntry {
  readonly seq: number;
  readonly revision: number | null;
  readonly change: HistoryChange;
  readonly mspId: string | null;
  readonly enrollmentId: string | null;
  readonly detail: Record<string, unknown>;
  readonly at: string;
}

export interface AgreementToSign {
  readonly sessionId: string;
  readonly revision: number;
  readonly agreement: Agreement;
  readonly canonical: string;
  readonly canonicalBase64: string;
  readonly sha256: string;
}

/** GET /suggestions/beta (services/negotiation/src/suggestions/beta.ts). */
export interface BetaSuggestion {
  readonly daoId?: string;
  readonly version: number;
  readonly betaPpm: number;
  readonly betasPpm: readonly number[];
  readonly groups: ReadonlyArray<{ readonly group: string; readonly ownershipPpm: number }>;
}

/** A response whose shape the document does not describe: the data as the types above say. */
const as = <T>(result: { data?: unknown; error?: unknown; response: Response }): T => unwrap(result) as T;

export const sessionsApi = {
  list: async () => as<SessionSummary[]>(await negotiation.GET('/sessions')),
  get: async (id: string) => as<SessionView>(await negotiation.GET('/sessions/{id}', { params: { path: { id } } })),
  history: async (id: string) => as<HistoryEntry[]>(await negotiation.GET('/sessions/{id}/history', { params: { path: { id } } })),
  agreement: async (id: string) => as<AgreementToSign>(await negotiation.GET('/sessions/{id}/agreement', { params: { path: { id } } })),
  create: async (body: CreateSession) => as<SessionView>(await negotiation.POST('/sessions', { body })),
  propose: async (id: string, body: SignedProposal) => as<SessionView>(await negotiation.POST('/sessions/{id}/proposals', { params: { path: { id } }, body })),
  /** β for a target ownership of the joining group: of an existing DAO (a join) or of a formation. */
  suggestBeta: async (targetOwnershipPpm: number, daoId?: string) =>
    as<BetaSuggestion>(await negotiation.GET('/suggestions/beta', { params: { query: { targetOwnershipPpm, ...(daoId ? { daoId } : {}) } } })),
  accept: async (id: string, body: components['schemas']['Acceptance']) =>
    as<SessionView>(await negotiation.POST('/sessions/{id}/acceptances', { params: { path: { id } }, body })),
};
