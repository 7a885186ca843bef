import { z } from 'zod';
import type { SameShape as Same } from '@datawell/service-platform';
import { infrastructureSchemaWith, placementSchema, termsSchema } from '@datawell/domain';
import type { BetaAdvice, BetaSuggestion } from '../suggestions/beta';
import type { Agreement } from './agreement';
import { SESSION_STATES } from './session-states';
import type { HistoryRecord } from './sessions.repository';
import type { AgreementToSign, SessionSummary, SessionView } from './sessions.service';

/*
 * What the routes answer, as zod schemas for the OpenAPI document (zodResponse), so that typed clients
 * (the console's) get the shapes. Each is tied to the service's own type below: the type check fails
 * when one of them changes without the other.
 */

const sessionKind = z.enum(['formation', 'join']);
const sessionStatus = z.enum(['open', 'agreed', 'formed', 'failed']);
const historyChange = z.enum(['created', 'proposed', 'accepted', 'agreed', 'formed', 'finalized', 'failed', 'terminated']);
const sessionState = z.enum(SESSION_STATES).describe('EDC-like state (docs/negotiation.md, "States"); `status` is its older, coarser name');
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
  state: sessionState,
  stateChangedAt: z.string(),
  deadline: z.string().nullable().describe('when the session ends with SESSION_EXPIRED if nothing changes before (null once it no longer negotiates)'),
  timeline: z
    .array(
      z.object({
        state: sessionState,
        at: z.string(),
        change: historyChange,
        revision: z.number().int().nullable(),
        reason: z.object({ code: z.string(), message: z.string() }).nullable().describe("a termination's reason code and message"),
      }),
    )
    .describe('every state the session entered, oldest first'),
  createdBy: z.string(),
  admission: z
    .object({ proposalId: z.string(), openedBy: z.string() })
    .nullable()
    .describe("the DAO's accepted admit-member proposal this join was opened for, and the member whose bridge opened it (null for any other session)"),
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
  .pick({ id: true, kind: true, daoId: true, version: true, status: true, state: true, stateChangedAt: true, deadline: true, createdBy: true, admission: true, revision: true, agreementId: true, createdAt: true, updatedAt: true })
  .extend({ parties: z.array(z.string()) });

export const historyEntrySchema = z.object({
  seq: z.number().int(),
  revision: z.number().int().nullable(),
  change: historyChange,
  state: sessionState.nullable().describe('the state this change led to; null when it changed none'),
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

const ppmGroups = z.array(z.object({ group: z.string(), ownershipPpm: z.number().int() }));
const betaEvaluationSchema = z.object({
  betaPpm: z.number().int(),
  members: z
    .array(z.object({ mspId: z.string(), group: z.string(), role, ownershipPpm: z.number().int(), joiner: z.boolean() }))
    .describe('every member of version n+1 under this β, ppm summing to 10^6 (as the agreement computes it)'),
  groups: ppmGroups,
  dspOwnershipPpm: z.number().int().describe("the DSP group D's ownership after the join"),
  dspMarginPpm: z.number().int().describe("D's ownership minus the largest other member's: the DSP's lead (negative: it has none)"),
  largestOwner: z.string(),
});

export const betaAdviceResponseSchema = z.object({
  daoId: z.string(),
  version: z.number().int().describe('the version the β is for (n+1)'),
  joinerGroup: z.string(),
  joiners: z.array(z.string()),
  fit: z
    .object({
      alpha: z.number(),
      exponent: z.number().describe('γ = 1/α of s_k = C·k^(−γ)'),
      scale: z.number().describe('C, on the current shares normalised to sum 1'),
      source: z.enum(['fitted', 'default']).describe('default: the shares do not decrease with the level, the 80/20 shape is used'),
      rSquared: z.number().nullable(),
    })
    .describe("the Pareto curve fitted to the DAO's current shares by level (D first)"),
  currentGroups: ppmGroups,
  advised: betaEvaluationSchema.describe('β = 1/(1 + C·(m+1)^(−γ)): the joiners on the curve'),
  proposed: betaEvaluationSchema.nullable().describe('the β given as betaPpm, evaluated the same way'),
  warnings: z.array(
    z.object({
      code: z.enum(['JOINER_LARGEST_OWNER', 'DSP_NOT_LARGEST', 'CURVE_NOT_FITTED']),
      which: z.enum(['advised', 'proposed', 'fit']),
      message: z.string(),
    }),
  ),
});

// The schemas say what the service returns: each line fails the type check when they part.
export const RESPONSES_MATCH_THE_SERVICE: ReadonlyArray<true> = [
  true satisfies Same<z.output<typeof agreementResponseSchema>, Agreement>,
  true satisfies Same<z.output<typeof sessionViewSchema>, SessionView>,
  true satisfies Same<z.output<typeof sessionSummarySchema>, SessionSummary>,
  true satisfies Same<z.output<typeof historyEntrySchema>, HistoryRecord>,
  true satisfies Same<z.output<typeof agreementToSignSchema>, AgreementToSign>,
  true satisfies Same<z.output<typeof betaSuggestionResponseSchema>, BetaSuggestion>,
  true satisfies Same<z.output<typeof betaAdviceResponseSchema>, BetaAdvice>,
];
