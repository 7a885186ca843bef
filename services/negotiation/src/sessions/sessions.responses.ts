import { z } from 'zod';
import { infrastructureSchemaWith, placementSchema, termsSchema } from '@datawell/domain';
import type { BetaSuggestion } from '../suggestions/beta';
import type { Agreement } from './agreement';
import type { HistoryRecord } from './sessions.repository';
import type { AgreementToSign, SessionSummary, SessionView } from './sessions.service';

/*
 * What the routes answer, as zod schemas for the OpenAPI document (zodResponse), so that typed clients
 * (the console's) get the shapes. Each is tied to the service's own type below: the type check fails
 * when one of them changes without the other.
 */

const sessionKind = z.enum(['formation', 'join']);
const sessionStatus = z.enum(['open', 'agreed', 'formed', 'failed']);
const historyChange = z.enum(['created', 'proposed', 'accepted', 'agreed', 'formed', 'failed']);
const role = z.enum(['DSP', 'VSP']);

/** The argument of the dao chaincode's InitVersion, as the service built it from a proposal. */
export const agreementResponseSchema = z.object({
  agreementId: z.string(),
  daoId: z.string(),
  version: z.number().int(),
  betaPpm: z.number().int(),
  members: z.array(z.object({ mspId: z.string(), group: z.string(), role, weight: z.number().int(), ownershipPpm: z.number().int() })),
  terms: termsSchema,
  infrastructure: infrastructureSchemaWith(placementSchema),
  documentDigest: z.string(),
});

export const sessionViewSchema = z.object({
  id: z.string(),
  kind: sessionKind,
  daoId: z.string(),
  version: z.number().int(),
  status: sessionStatus,
  createdBy: z.string(),
  parties: z.array(z.object({ mspId: z.string(), role, group: z.string(), required: z.boolean() })),
  revision: z.number().int(),
  proposal: z
    .object({
      revision: z.number().int(),
      proposedBy: z.string(),
      enrollmentId: z.string(),
      proposedAt: z.string(),
      agreement: agreementResponseSchema,
      signed: z
        .object({ answers: z.number().int(), certificateFingerprint: z.string(), signature: z.string() })
        .nullable()
        .describe("how its author signed it (null for a revision proposed before proposals were signed)"),
    })
    .nullable(),
  acceptances: z.array(z.object({ mspId: z.string(), enrollmentId: z.string(), acceptedAt: z.string() })),
  acceptance: z
    .object({ complete: z.boolean(), waitingFor: z.array(z.string()), acceptedOwnershipPpm: z.number().int().optional(), existingOwnershipPpm: z.number().int().optional() })
    .nullable(),
  agreementId: z.string().nullable(),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A session in a list: the view's own fields, with the parties as MSP ids only. */
export const sessionSummarySchema = sessionViewSchema
  .pick({ id: true, kind: true, daoId: true, version: true, status: true, createdBy: true, revision: true, agreementId: true, createdAt: true, updatedAt: true })
  .extend({ parties: z.array(z.string()) });

export const historyEntrySchema = z.object({
  seq: z.number().int(),
  revision: z.number().int().nullable(),
  change: historyChange,
  mspId: z.string().nullable(),
  enrollmentId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  at: z.string(),
});

export const sessionSummariesSchema = z.array(sessionSummarySchema);
export const historyEntriesSchema = z.array(historyEntrySchema);

export const agreementToSignSchema = z.object({
  sessionId: z.string(),
  revision: z.number().int(),
  agreement: agreementResponseSchema,
  canonical: z.string().describe('canonicalJson(agreement): sign exactly these UTF-8 bytes (ECDSA-SHA256, DER, base64)'),
  canonicalBase64: z.string(),
  sha256: z.string(),
});

export const betaSuggestionResponseSchema = z.object({
  daoId: z.string().optional(),
  version: z.number().int().describe('the version the β is for: n+1 for a joiner, 1.. for a formation plan'),
  betaPpm: z.number().int(),
  betasPpm: z.array(z.number().int()).describe("formation plan from shares: β_1 … β_n (the first is the formation's)"),
  groups: z.array(z.object({ group: z.string(), ownershipPpm: z.number().int() })).describe('ownership of each group after that version, ppm'),
});

/** `T` with every `readonly` removed, deeply (zod's outputs are mutable; the service's types are not). */
type Writable<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends ReadonlyArray<infer U>
    ? Array<Writable<U>>
    : T extends object
      ? { -readonly [K in keyof T]: Writable<T[K]> }
      : T;
/** Compiles only when A and B describe the same values. */
type Same<A, B> = [Writable<A>] extends [Writable<B>] ? ([Writable<B>] extends [Writable<A>] ? true : never) : never;

// The schemas say what the service returns: each line fails the type check when they part.
export const RESPONSES_MATCH_THE_SERVICE: ReadonlyArray<true> = [
  true satisfies Same<z.output<typeof agreementResponseSchema>, Agreement>,
  true satisfies Same<z.output<typeof sessionViewSchema>, SessionView>,
  true satisfies Same<z.output<typeof sessionSummarySchema>, SessionSummary>,
  true satisfies Same<z.output<typeof historyEntrySchema>, HistoryRecord>,
  true satisfies Same<z.output<typeof agreementToSignSchema>, AgreementToSign>,
  true satisfies Same<z.output<typeof betaSuggestionResponseSchema>, BetaSuggestion>,
];
