import { z } from 'zod';
import { DAO_ID_PATTERN, enrollmentIdSchema, MSP_ID_PATTERN } from '@datawell/contracts';
import { CATALOGUE } from './programs/catalogue';

/**
 * What the coordinator asks of an MPC node (the node's control API). Every node of a mesh receives
 * the same operations in the same order — the coordinator sends the next only after all nodes
 * answered the previous — so the nodes run them in lockstep over their TLS channels.
 */
const opId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
const party = z.number().int().min(0).max(63);
const count = z.number().int().min(0).max(10_000_000);

export const preprocessOpSchema = z.strictObject({
  opId,
  kind: z.literal('preprocess'),
  triples: count,
  masks: z.array(z.strictObject({ owner: party, n: count })).max(64),
});

const mspId = z.string().regex(MSP_ID_PATTERN, 'must be an MSP id');

/**
 * What a compute op is for, in the ledger's names: the DAO version, the computation of its terms, who
 * asked, and the recipients and data owner by MSP id. A node that checks its own ledger (its
 * MPC_NODE_LEDGER_URL) takes part only when this is allowed there and the op's party indices are
 * these members' nodes.
 */
/** The requester's signature of its request (libs/mpc request-signature.ts), as the coordinator passes it on to the nodes. */
export const requestSignatureSchema = z.strictObject({
  requestId: opId,
  issuedAtMs: z.number().int().min(0),
  certificatePem: z.string().min(1).max(16_384),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64').max(1024),
});

export const computeOpLedgerSchema = z.strictObject({
  daoId: z.string().regex(DAO_ID_PATTERN, 'must be a DAO id'),
  version: z.number().int().min(1).max(9999),
  computation: opId,
  requester: mspId,
  /** The requester's enrolled identity, when the coordinator knows it: what the usage trail records of who asked. */
  requesterEnrollmentId: enrollmentIdSchema.optional(),
  recipients: z.array(mspId).min(1).max(64),
  owner: mspId,
  /** The requester's signature over these fields (and the dataset's name): a node in its member's domain takes part only with one that verifies. */
  request: requestSignatureSchema.optional(),
});

export const computeOpSchema = z.strictObject({
  opId,
  kind: z.literal('compute'),
  program: z.enum(CATALOGUE),
  owner: party,
  recipients: z.array(party).min(1).max(64),
  dataset: z.strictObject({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/), columns: z.array(z.string().min(1).max(128)).min(1).max(5) }),
  fractionalBits: z.number().int().min(0).max(24),
  /**
   * The catalogue's precision (PRECISIONS; absent: the default). Any short string passes here so that
   * an unknown one is refused by the job itself with its stable code, PRECISION_UNKNOWN (a 422).
   */
  precision: z.string().min(1).max(16).optional(),
  /** The coordinator always sends it; a node without a ledger to check ignores it. */
  ledger: computeOpLedgerSchema.optional(),
});

export const nodeOpSchema = z.discriminatedUnion('kind', [preprocessOpSchema, computeOpSchema]);
export type NodeOp = z.output<typeof nodeOpSchema>;
export type ComputeOp = z.output<typeof computeOpSchema>;
export type ComputeOpLedger = z.output<typeof computeOpLedgerSchema>;
export type PreprocessOp = z.output<typeof preprocessOpSchema>;

export interface NodeInventory {
  readonly party: number;
  readonly parties: number;
  readonly triples: number;
  readonly squares: number;
  /** Input/output masks by owning party. */
  readonly masks: readonly number[];
}

export interface ComputeOutcome {
  readonly opId: string;
  readonly party: number;
  readonly rows: number;
  /**
   * Only at the recipients, and only from a node that keeps no result from the coordinator: a node in
   * its member's own domain (MPC_NODE_LEDGER_URL) delivers the result to its member's bridge instead
   * and answers with `resultDigest` and `delivered` only.
   */
  readonly result?: Readonly<Record<string, number | readonly number[]>>;
  /** At a recipient: SHA-256 of the result's canonical JSON (`resultDigest` of @datawell/contracts), with or without `result`. */
  readonly resultDigest?: string;
  /** At a recipient in its member's domain: the result went to its member's own ledger bridge, which recorded ComputationCompleted as the member. */
  readonly delivered?: boolean;
  readonly made: { readonly triples: number; readonly masks: number };
  readonly onlineMs: number;
  readonly inventory: NodeInventory;
}

export interface PreprocessOutcome {
  readonly opId: string;
  readonly party: number;
  readonly ms: number;
  readonly inventory: NodeInventory;
}
