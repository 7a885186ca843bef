import { z } from 'zod';
import { negotiationError, type NegotiationErrorCode } from './negotiation.errors';

/*
 * Request bodies, validated here with the same rules as the dao chaincode's agreement validator
 * (chaincode/dao/src/agreement.validator.ts), so that a bad proposal is a 400 at this edge rather
 * than a failed InitVersion on the ledger after every party has signed.
 */

export const PPM = 1_000_000;
export const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
export const mspIdSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,40}MSP$/, 'must be an MSP id: letters and digits ending in "MSP"');
export const daoIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be 1-41 lower-case letters, digits or "-" (it is part of the channel name)');
const textSchema = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const nonNegativeInt = z.number().int('must be an integer').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER, 'is too large');
const positiveInt = z.number().int('must be an integer').min(1, 'must be at least 1').max(Number.MAX_SAFE_INTEGER, 'is too large');
export const ppmSchema = z.number().int('must be an integer number of ppm').min(0, 'must be at least 0 ppm').max(PPM, 'must be at most 10^6 ppm');
export const betaPpmSchema = ppmSchema.min(1, 'must be above 0 ppm').max(PPM - 1, 'must be below 10^6 ppm');

/** JSON the ledger may hold: no floating point anywhere. */
export type IntegerJson = string | number | boolean | null | IntegerJson[] | { [key: string]: IntegerJson };
const integerJsonSchema: z.ZodType<IntegerJson> = z.lazy(() =>
  z.union([
    z.string().max(4096),
    z.number().int('numbers on the ledger must be integers').min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
    z.boolean(),
    z.null(),
    z.array(integerJsonSchema).max(1024),
    z.record(z.string().max(128), integerJsonSchema),
  ]),
);

export const termsSchema = z
  .strictObject({
    durationDays: positiveInt.max(36_500, 'must be at most 36500 days'),
    businessModel: z.enum(['pay-per-use', 'subscription']),
    heartbeatIntervalSeconds: positiveInt.max(86_400, 'must be at most one day'),
    abandonAfterSeconds: positiveInt.max(365 * 86_400, 'must be at most a year'),
    exitNoticeSeconds: nonNegativeInt.max(365 * 86_400, 'must be at most a year'),
    computations: z
      .array(z.strictObject({ name: idSchema, resultRecipients: z.array(mspIdSchema).min(1, 'needs at least one recipient').max(64) }))
      .max(64),
  })
  .superRefine((t, ctx) => {
    if (t.abandonAfterSeconds < t.heartbeatIntervalSeconds) {
      ctx.addIssue({ code: 'custom', path: ['abandonAfterSeconds'], message: 'must be at least heartbeatIntervalSeconds' });
    }
    const names = t.computations.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['computations'], message: `computation "${dup}" is listed twice` });
  });
export type Terms = z.output<typeof termsSchema>;

/** `cloud` is this API's name for the chaincode's `managed` placement (Datawell builds and runs it). */
const placementSchema = z.enum(['managed', 'cloud', 'self-hosted']).transform((p) => (p === 'cloud' ? 'managed' : p));

export const infrastructureSchema = z
  .strictObject({
    workloads: z
      .array(
        z.strictObject({
          name: idSchema,
          owner: mspIdSchema,
          placement: placementSchema,
          kind: textSchema(64),
          parameters: z.record(z.string().max(128), integerJsonSchema).optional(),
        }),
      )
      .min(1, 'needs at least one workload')
      .max(256),
    parameters: z.record(z.string().max(128), integerJsonSchema).optional(),
  })
  .superRefine((spec, ctx) => {
    const names = spec.workloads.map((w) => w.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['workloads'], message: `workload "${dup}" is listed twice` });
  });
export type InfrastructureSpec = z.output<typeof infrastructureSchema>;

/**
 * A full proposal. Groups and roles are derived by the server (formation: D = the DSPs, J1 = the
 * VSPs; join: the existing groups and J_{n+1} = the joiners). `weight` defaults to 1 for a new
 * member and is fixed for an existing one; `ownershipPpm` is computed from β and the weights and,
 * when given, must equal the computed value.
 */
export const proposalSchema = z.strictObject({
  betaPpm: betaPpmSchema,
  members: z
    .array(
      z.strictObject({
        mspId: mspIdSchema,
        weight: positiveInt.max(1_000_000_000, 'is too large').optional(),
        ownershipPpm: ppmSchema.optional(),
      }),
    )
    .min(2, 'needs the founding group and at least one joining group')
    .max(256),
  terms: termsSchema,
  infrastructure: infrastructureSchema,
});
export type ProposalInput = z.output<typeof proposalSchema>;

export const createSessionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('formation'), daoId: daoIdSchema, parties: z.array(mspIdSchema).max(64) }),
  z.strictObject({ kind: z.literal('join'), daoId: daoIdSchema, joiners: z.array(mspIdSchema).max(64).default([]) }),
]);
export type CreateSessionInput = z.output<typeof createSessionSchema>;

export const acceptanceSchema = z.strictObject({
  revision: positiveInt,
  certificatePem: z.string().min(1).max(8192),
  signature: z.string().min(1).max(512).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
});
export type AcceptanceInput = z.output<typeof acceptanceSchema>;

export const betaSuggestionSchema = z.strictObject({
  daoId: daoIdSchema.optional(),
  targetOwnershipPpm: z.coerce.number().pipe(ppmSchema.min(1, 'must be above 0 ppm').max(PPM - 1, 'must be below 10^6 ppm')).optional(),
  /** Formation: the DSP group's and J1's shares, comma-separated ppm or decimals. */
  shares: z.string().max(1024).optional(),
});

/** Parses `value` or throws a 400 with every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string, code: NegotiationErrorCode = 'INVALID_REQUEST'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), problem: i.message }));
  throw negotiationError(code, `invalid ${what}: ${issues.map((i) => `${i.path || '(body)'}: ${i.problem}`).join('; ')}`, { issues });
}
