import { z } from 'zod';
import { PPM } from '../economics';

/*
 * The values Datawell writes on its ledgers and the terms of a DAO agreement, as zod schemas: the dao
 * chaincode validates InitVersion with them, and the negotiation service validates proposals with the
 * same rules, so a bad proposal is refused at its edge rather than by InitVersion after every party signed.
 */

/** An identifier chosen by the client (offer, revenue, proposal, workload, job, computation). */
export const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');

/** An MSP id as Datawell names them: letters and digits ending in "MSP". The one definition of the pattern. */
export const MSP_ID_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,40}MSP$/;
export const mspIdSchema = z.string().regex(MSP_ID_PATTERN, 'must be an MSP id: letters and digits ending in "MSP"');

/** A DAO id: part of its channels' names (`dao-<id>-v<i>`). The one definition of the pattern. */
export const DAO_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,40}$/;
export const daoIdSchema = z.string().regex(DAO_ID_PATTERN, 'must be 1-41 lower-case letters, digits or "-" (it is part of the channel name)');

/** Free text of bounded size (names, titles, reasons). */
export const textSchema = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** A SHA-256 digest as 64 lower-case hex digits (content kept off-chain). */
export const digestSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest (64 lower-case hex digits)');

/** A non-negative safe integer (seconds, counters, sequence numbers). */
export const nonNegativeInt = z.number().int('must be an integer').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER, 'is too large');
export const positiveInt = z.number().int('must be an integer').min(1, 'must be at least 1').max(Number.MAX_SAFE_INTEGER, 'is too large');

/** A ratio in parts per million, 0…10^6 inclusive. */
export const ppmSchema = z.number().int('must be an integer number of ppm').min(0, 'must be at least 0 ppm').max(PPM, 'must be at most 10^6 ppm');
/** β_i of one version, strictly inside (0, 10^6). */
export const betaPpmSchema = ppmSchema.min(1, 'must be above 0 ppm').max(PPM - 1, 'must be below 10^6 ppm');

/** JSON that the ledger may hold: no floating point anywhere. */
export type IntegerJson = string | number | boolean | null | IntegerJson[] | { [key: string]: IntegerJson };
export const integerJsonSchema: z.ZodType<IntegerJson> = z.lazy(() =>
  z.union([
    z.string().max(4096),
    z.number().int('numbers on the ledger must be integers').min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
    z.boolean(),
    z.null(),
    z.array(integerJsonSchema).max(1024),
    z.record(z.string().max(128), integerJsonSchema),
  ]),
);

export const roleSchema = z.enum(['DSP', 'VSP']);
/** D is the founding group; J1, J2, … the joining groups, J_k joining in version k. */
export const groupSchema = z.string().regex(/^(D|J[1-9]\d{0,3})$/, 'must be "D" or "J<k>" (k ≥ 1)');

/** An amount of money in minor units (cents), positive, as a decimal string: no floats on the ledger. */
export const minorUnitsSchema = z.string().regex(/^[1-9]\d{0,29}$/, 'must be a positive whole number of minor units, as a decimal string');

/**
 * What the DAO charges, in minor units of `currency`: per completed computation (pay-per-use; the
 * dao chaincode meters each ComputationCompleted on the top channel) or per period (subscription).
 * Absent in agreements written before prices existed: their revenue is recorded by hand only.
 */
export const priceSchema = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code (three capital letters)'),
  perComputation: minorUnitsSchema.optional(),
  perPeriod: z
    .strictObject({
      amount: minorUnitsSchema,
      periodSeconds: positiveInt.max(366 * 86_400, 'must be at most a year'),
      /**
       * When period 0 of the DAO's grid of periods began (ms since the epoch); absent: this version's
       * creation. A successor of a subscription version carries its predecessor's origin and period
       * length, so each period is charged once, on the version that is top when it begins.
       */
      originMs: z.number().int('must be an integer').nonnegative('must not be negative').optional(),
    })
    .optional(),
});
export type Price = z.output<typeof priceSchema>;

/** The terms of a version's agreement. */
export const termsSchema = z
  .strictObject({
    durationDays: positiveInt.max(36_500, 'must be at most 36500 days'),
    businessModel: z.enum(['pay-per-use', 'subscription']),
    heartbeatIntervalSeconds: positiveInt.max(86_400, 'must be at most one day'),
    abandonAfterSeconds: positiveInt.max(365 * 86_400, 'must be at most a year'),
    exitNoticeSeconds: nonNegativeInt.max(365 * 86_400, 'must be at most a year'),
    /** How long a proposal stays open for votes, from its creation (transaction time); default DEFAULT_GOVERNANCE. */
    votingPeriodSeconds: positiveInt.max(365 * 86_400, 'must be at most a year').optional(),
    /** The share of the active members' ownership that must have voted for a proposal decided at its deadline to count; default DEFAULT_GOVERNANCE. */
    quorumPpm: ppmSchema.optional(),
    computations: z
      .array(z.strictObject({ name: idSchema, resultRecipients: z.array(mspIdSchema).min(1, 'needs at least one recipient').max(64) }))
      .max(64),
    /** The price of a computation (pay-per-use) or of a period (subscription); absent: no metering. */
    price: priceSchema.optional(),
    /** The members who may record revenue (RecordRevenue); absent: the founding group D's members (revenueRecordersOf). */
    revenueRecorders: z.array(mspIdSchema).min(1, 'needs at least one member').max(64).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.price) {
      const [wanted, other] = t.businessModel === 'pay-per-use' ? (['perComputation', 'perPeriod'] as const) : (['perPeriod', 'perComputation'] as const);
      if (t.price[other] !== undefined) ctx.addIssue({ code: 'custom', path: ['price', other], message: `a ${t.businessModel} DAO is priced by ${wanted}, not ${other}` });
      if (t.price[wanted] === undefined) ctx.addIssue({ code: 'custom', path: ['price', wanted], message: `a ${t.businessModel} DAO's price needs ${wanted}` });
    }
    const recorders = t.revenueRecorders ?? [];
    const twice = recorders.find((m, i) => recorders.indexOf(m) !== i);
    if (twice) ctx.addIssue({ code: 'custom', path: ['revenueRecorders'], message: `${twice} is listed twice` });
    if (t.abandonAfterSeconds < t.heartbeatIntervalSeconds) {
      ctx.addIssue({ code: 'custom', path: ['abandonAfterSeconds'], message: 'must be at least heartbeatIntervalSeconds' });
    }
    const names = t.computations.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['computations'], message: `computation "${dup}" is listed twice` });
  });
export type Terms = z.output<typeof termsSchema>;

/**
 * The governance terms an agreement without them gets (written before they existed): a week to vote,
 * and half of the active ownership voting for a proposal to be decided at its deadline. Absent
 * fields stay absent in the agreement (its signatures are over what the parties signed).
 */
export const DEFAULT_GOVERNANCE = { votingPeriodSeconds: 7 * 86_400, quorumPpm: 500_000 } as const;

/** The voting period and quorum the terms set, or the defaults. */
export function governanceTerms(terms: Pick<Terms, 'votingPeriodSeconds' | 'quorumPpm'>): { votingPeriodSeconds: number; quorumPpm: number } {
  return { votingPeriodSeconds: terms.votingPeriodSeconds ?? DEFAULT_GOVERNANCE.votingPeriodSeconds, quorumPpm: terms.quorumPpm ?? DEFAULT_GOVERNANCE.quorumPpm };
}

/**
 * Who may record revenue under these terms: the members they name, or (terms written before they
 * named any) every member of the founding group D, the DSP's side that sells the DAO's service.
 */
export function revenueRecordersOf(terms: Pick<Terms, 'revenueRecorders'>, members: readonly { mspId: string; group: string }[]): string[] {
  return terms.revenueRecorders ? [...terms.revenueRecorders] : members.filter((m) => m.group === 'D').map((m) => m.mspId);
}

/** Where a workload runs: built and run by Datawell (`managed`) or by its member (`self-hosted`). */
export const placementSchema = z.enum(['managed', 'self-hosted']);

/** An infrastructure spec whose workloads' placement is read by `placement` (an API may accept aliases). */
export function infrastructureSchemaWith<P extends z.ZodType<'managed' | 'self-hosted', unknown>>(placement: P) {
  return z
    .strictObject({
      workloads: z
        .array(
          z.strictObject({
            name: idSchema,
            owner: mspIdSchema,
            placement,
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
}

export const infrastructureSchema = infrastructureSchemaWith(placementSchema);
export type InfrastructureSpec = z.output<typeof infrastructureSchema>;
