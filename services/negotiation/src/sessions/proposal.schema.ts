import { z } from 'zod';
import {
  betaPpmSchema,
  daoIdSchema,
  idSchema,
  infrastructureSchemaWith,
  mspIdSchema,
  positiveInt,
  PPM,
  ppmSchema,
  termsSchema,
  type IntegerJson,
  type Terms,
} from '@datawell/domain';
import { negotiationError, type NegotiationErrorCode } from './negotiation.errors';

/*
 * Request bodies. Terms and infrastructure use the dao chaincode's own schemas (@datawell/domain), so
 * that a bad proposal is a 400 at this edge rather than a failed InitVersion after every party signed.
 */

/** `cloud` is this API's name for the chaincode's `managed` placement (Datawell builds and runs it). */
const placementSchema = z.enum(['managed', 'cloud', 'self-hosted']).transform((p) => (p === 'cloud' ? 'managed' : p));
export const infrastructureSchema = infrastructureSchemaWith(placementSchema);
export type InfrastructureSpec = z.output<typeof infrastructureSchema>;
export { betaPpmSchema, daoIdSchema, idSchema, mspIdSchema, PPM, ppmSchema, termsSchema, type IntegerJson, type Terms };

/**
 * A full proposal. Groups and roles are derived by the server (formation: D = the DSPs, J1 = the
 * VSPs; join: the existing groups and J_{n+1} = the joiners). `weight` defaults to 1 for a new
 * member and is fixed for an existing one; `ownershipPpm` is computed from β and the weights and,
 * when given, must equal the computed value.
 */
export const proposalSchema = z.strictObject({
  betaPpm: betaPpmSchema.describe('β of the version, ppm, strictly inside (0, 10^6)'),
  members: z
    .array(
      z.strictObject({
        mspId: mspIdSchema,
        weight: positiveInt.max(1_000_000_000, 'is too large').optional().describe('weight inside the group (default 1; fixed for earlier members of a join)'),
        ownershipPpm: ppmSchema.optional().describe('if given, must equal the ownership implied by β and the weights'),
      }),
    )
    .min(2, 'needs the founding group and at least one joining group')
    .max(256)
    .describe('exactly the session parties'),
  terms: termsSchema.describe(
    'durationDays, businessModel pay-per-use|subscription, heartbeatIntervalSeconds, abandonAfterSeconds, exitNoticeSeconds, votingPeriodSeconds? (default a week), quorumPpm? (default 500000), computations [{name, resultRecipients}]',
  ),
  infrastructure: infrastructureSchema.describe("workloads [{name, owner, placement cloud|managed|self-hosted, kind, parameters}]; a join lists the joiners' own workloads and may carry earlier members' over exactly as the version before lists them"),
});
export type ProposalInput = z.output<typeof proposalSchema>;

export const createSessionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('formation'),
    daoId: daoIdSchema.describe('the new DAO id, chosen by the DSP'),
    parties: z.array(mspIdSchema).max(64).describe('the other parties (MSP ids); the caller, a DSP, is added'),
  }),
  z.strictObject({
    kind: z.literal('join'),
    daoId: daoIdSchema.describe('the existing DAO'),
    joiners: z.array(mspIdSchema).max(64).default([]).describe('the joining VSPs; the caller, a VSP, is added (not with `admission`)'),
    admission: z
      .strictObject({ proposalId: idSchema.describe("the DAO's accepted admit-member proposal") })
      .optional()
      .describe(
        "the join an accepted admit-member proposal starts: opened by an active member of the DAO (its ledger bridge does it by itself) for the one admitted party in `joiners`; the caller is not added. Idempotent per DAO and proposal: opening it again answers the session opened first",
      ),
  }),
]);
export type CreateSessionInput = z.output<typeof createSessionSchema>;

const certificatePemSchema = z.string().min(1).max(8192).describe("PEM of the caller's enrolled certificate (the one it logged in with)");
const signatureSchema = z.string().min(1).max(512).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');

export const acceptanceSchema = z.strictObject({
  revision: positiveInt.describe('the revision accepted: must be the current one'),
  certificatePem: certificatePemSchema,
  signature: signatureSchema.describe('base64 DER ECDSA-SHA256 signature of canonicalJson(agreement) (GET /sessions/:id/agreement)'),
});
export type AcceptanceInput = z.output<typeof acceptanceSchema>;

/**
 * A proposal or counter-proposal signed by its author's enrolled key (docs/negotiation.md, "Signed
 * proposals"): the signature is over proposalSigningText(sessionId, answers, proposal) of
 * @datawell/domain, the canonical JSON of {sessionId, answers, proposal}.
 */
export const signedProposalSchema = z.strictObject({
  answers: z.number().int('must be an integer').min(0, 'must be at least 0').describe("the revision this proposal answers: the session's current revision (0 for the opening proposal)"),
  proposal: proposalSchema,
  certificatePem: certificatePemSchema,
  signature: signatureSchema.describe('base64 DER ECDSA-SHA256 signature of canonicalJson({sessionId, answers, proposal}), the proposal exactly as sent'),
});
/** The same body with the proposal left unparsed: its problems are INVALID_PROPOSAL, the envelope's INVALID_REQUEST. */
export const signedProposalEnvelopeSchema = signedProposalSchema.extend({ proposal: z.unknown().refine((p) => p !== undefined, 'is required') });
export const betaSuggestionSchema = z.strictObject({
  daoId: daoIdSchema.optional(),
  targetOwnershipPpm: z.coerce.number().pipe(ppmSchema.min(1, 'must be above 0 ppm').max(PPM - 1, 'must be below 10^6 ppm')).optional(),
  /** Formation: the DSP group's and J1's shares, comma-separated ppm or decimals. */
  shares: z.string().max(1024).optional(),
});

/** `GET /suggestions/beta/advice`: the β advisor for a join (docs/negotiation.md, "β advisor"). */
export const betaAdviceSchema = z.strictObject({
  daoId: daoIdSchema,
  joiners: z
    .string()
    .max(2048)
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(mspIdSchema).min(1))
    .optional()
    .describe('the joining VSPs, comma-separated MSP ids (default: the caller)'),
  betaPpm: z.coerce.number().pipe(betaPpmSchema).optional().describe('a proposed β to evaluate beside the advised one'),
});

/** Parses `value` or throws a 400 with every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string, code: NegotiationErrorCode = 'INVALID_REQUEST'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), problem: i.message }));
  throw negotiationError(code, `invalid ${what}: ${issues.map((i) => `${i.path || '(body)'}: ${i.problem}`).join('; ')}`, { issues });
}
