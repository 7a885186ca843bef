import { z } from 'zod';
import { digestSchema, idSchema, mspIdSchema, nonNegativeInt } from './values';

/*
 * The data owner's usage trail (DESIGN.md, MPC: "where is my data used, how, by whom"): one entry per
 * computation request on a DAO version's channel, granted, refused (by which check) or failed,
 * recorded with the dao chaincode's RecordUsage and read back with GetUsage (docs/ledger.md).
 */

/** A dataset's name as the owner's MPC node serves it (MPC_NODE_DATASETS). */
export const datasetNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a dataset name (1-64 letters, digits, ".", "_" or "-")');

/** An enrolled identity's id (its certificate's CN). */
export const enrollmentIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'must be an enrollment id');

/**
 * The checks of the members' own MPC nodes (workloads/mpc-node ledger-check.ts NodeCheck), which the
 * data owner's node records when it refuses an op or another party refused it in the agreement round.
 */
export const NODE_USAGE_CHECKS = [
  'ledger', // the op says nothing of what it is for, or the member's ledger has no such version
  'mesh-owners', // the mesh file does not name every party's member
  'op-parties', // the op's program or party indices are not the ledger's computation, owner and recipients
  'ledger-state', // the version state the member's ledger answered is not readable as one
  'requester-signature', // the op carries no signature of its requester that verifies over its ledger fields, recent, not used before, by a certificate of the requester's CA on the channel
  'party-refused', // the data owner's node took part, another party refused in the agreement round
] as const;

/**
 * The checks a request must pass, in the order the coordinator applies them, then the nodes' own; a
 * refused entry names the first that failed.
 */
export const USAGE_CHECKS = [
  // The shared rule's (the coordinator's and every node's, @datawell/mpc authorizeComputation), in order:
  'requester-member', // the requester is a member of the version
  'requester-active', // … an active one
  'computation-allowed', // the computation is named in the version's terms
  'recipients-allowed', // the recipients asked for are exactly the terms' recipients
  'recipients-active', // every recipient is an active member
  'program', // the computation has a program in the MPC catalogue
  'parameters', // the parameters fit the program (number of columns)
  'dataset-owner', // the dataset's owner is a DSP member of the version
  'owner-active', // … an active one
  ...NODE_USAGE_CHECKS,
] as const;
export type UsageCheck = (typeof USAGE_CHECKS)[number];

export const usageOutcomeSchema = z.enum(['granted', 'refused', 'failed']);
export type UsageOutcome = z.output<typeof usageOutcomeSchema>;

/**
 * RecordUsage's argument: one request and what became of it. `granted`: every check passed and the
 * computation produced its result (rows and result digest); `failed`: granted, but no result (the
 * error code); `refused`: the first check that failed. Times are the transaction's.
 */
export const usageEntrySchema = z
  .strictObject({
    /** The computation id for a granted or failed request; a fresh id per refused request. */
    usageId: idSchema,
    dataset: z.strictObject({ owner: mspIdSchema, name: datasetNameSchema }),
    requester: z.strictObject({
      mspId: mspIdSchema,
      /** The enrolled identity (certificate CN) that asked, when the recorder knows it. */
      enrollmentId: enrollmentIdSchema.optional(),
    }),
    computation: idSchema,
    /** SHA-256 of the canonical JSON of the request's parameters (columns, fractional bits). */
    parametersDigest: digestSchema,
    recipients: z.array(mspIdSchema).max(64),
    outcome: usageOutcomeSchema,
    /** Rows of the dataset the computation read (granted). */
    rows: nonNegativeInt.optional(),
    /** SHA-256 of the result's sorted-key JSON (granted). */
    resultDigest: digestSchema.optional(),
    /** The check that refused the request (refused). */
    check: z.enum(USAGE_CHECKS).optional(),
    /** Why a granted computation produced no result (failed): the coordinator's or the data owner's node's error code. */
    failure: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an error code').optional(),
  })
  .superRefine((u, ctx) => {
    const need = (field: 'rows' | 'resultDigest' | 'check' | 'failure', present: boolean) => {
      if ((u[field] !== undefined) !== present) ctx.addIssue({ code: 'custom', path: [field], message: present ? `is required when the outcome is ${u.outcome}` : `must be absent when the outcome is ${u.outcome}` });
    };
    need('rows', u.outcome === 'granted');
    need('resultDigest', u.outcome === 'granted');
    need('check', u.outcome === 'refused');
    need('failure', u.outcome === 'failed');
  });
export type UsageEntryInput = z.output<typeof usageEntrySchema>;

/** An entry as the ledger holds it and GetUsage returns it: the argument, who recorded it, when, and in which transaction. */
export const usageRecordSchema = z.looseObject({
  usageId: z.string().min(1),
  dataset: z.looseObject({ owner: z.string().min(1), name: z.string().min(1) }),
  requester: z.looseObject({ mspId: z.string().min(1), enrollmentId: z.string().optional() }),
  computation: z.string().min(1),
  parametersDigest: z.string(),
  recipients: z.array(z.string()),
  outcome: usageOutcomeSchema,
  rows: z.number().int().nonnegative().optional(),
  resultDigest: z.string().optional(),
  check: z.string().optional(),
  failure: z.string().optional(),
  recordedBy: z.string().min(1),
  atMs: z.number().int().nonnegative(),
  txId: z.string().min(1),
});
export type UsageRecord = z.output<typeof usageRecordSchema>;

/** `UsageRecorded` (the event): the entry as recorded (its txId is the event's). */
export const usageRecordedPayloadSchema = usageRecordSchema.extend({ type: z.string().optional(), channel: z.string().optional() });

/** GetUsage's answer: a dataset's trail on the channel, oldest first. */
export const usageTrailSchema = z.looseObject({ dataset: z.string(), entries: z.array(usageRecordSchema) });
export type UsageTrail = z.output<typeof usageTrailSchema>;
