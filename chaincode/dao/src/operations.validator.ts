import { amountSchema, digestSchema, idSchema, integerJsonSchema, mspIdSchema, nonNegativeInt, positiveInt, textSchema, z } from '@datawell/chaincode-common';
import { infrastructureSchema, roleSchema, termsSchema } from './agreement.validator';

export const revenueSchema = z.strictObject({
  revenueId: idSchema,
  /** Minor units, > 0. */
  amount: amountSchema.refine((a) => a > 0n, 'must be positive'),
  /** What was sold: one use, or one subscription period. */
  kind: z.enum(['use', 'subscription-period']),
  reference: textSchema(256).optional(),
});

export const chaincodeNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_.+-]{0,99}$/, 'must be a chaincode name');

export const successorSchema = z.strictObject({
  /** The name the dao chaincode has on channel dao-<d>-v<i+1> (`dao` in a real deployment). */
  chaincode: chaincodeNameSchema.default('dao'),
});

export const txIdSchema = z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'must be a transaction id (letters and digits)');

export const allocationReceivedSchema = z.strictObject({
  sourceChannel: z.string().regex(/^dao-[a-z0-9][a-z0-9-]{0,40}-v[1-9]\d{0,3}$/, 'must be a DAO channel name dao-<d>-v<i>'),
  sourceTxId: txIdSchema,
  amount: amountSchema.refine((a) => a > 0n, 'must be positive'),
  /** The name the dao chaincode has on the source channel (`dao` in a real deployment). */
  sourceChaincode: chaincodeNameSchema.default('dao'),
});

export const workloadSchema = z.strictObject({
  workloadId: idSchema,
  /** PEM of an ECDSA P-256 or Ed25519 public key (SPKI). */
  publicKeyPem: z.string().max(4096).regex(/^-----BEGIN PUBLIC KEY-----\r?\n[\s\S]+\r?\n-----END PUBLIC KEY-----\s*$/, 'must be a PEM public key'),
});

export const heartbeatSchema = z.strictObject({
  workloadId: idSchema,
  seq: nonNegativeInt,
  /** Milliseconds since the epoch, as the workload signed it. */
  timestamp: nonNegativeInt,
  metrics: z.record(z.string().max(128), integerJsonSchema),
  /** Base64 signature over the canonical JSON of the heartbeat without `signature` (ECDSA: DER). */
  signature: z.string().regex(/^[A-Za-z0-9+/]{40,200}={0,2}$/, 'must be a base64 signature'),
});
export type Heartbeat = z.output<typeof heartbeatSchema>;

export const snapshotSchema = z.strictObject({
  snapshotId: idSchema,
  heartbeats: z.array(heartbeatSchema).min(1, 'needs at least one heartbeat').max(1000, 'at most 1000 heartbeats per snapshot'),
});

export const proposalSchema = z.discriminatedUnion('kind', [
  z.strictObject({ proposalId: idSchema, kind: z.literal('change-terms'), payload: termsSchema, description: textSchema(1024).optional() }),
  z.strictObject({
    proposalId: idSchema,
    kind: z.literal('admit-member'),
    payload: z.strictObject({ mspId: mspIdSchema, role: roleSchema, name: textSchema(128) }),
    description: textSchema(1024).optional(),
  }),
  z.strictObject({ proposalId: idSchema, kind: z.literal('change-infrastructure'), payload: infrastructureSchema, description: textSchema(1024).optional() }),
  z.strictObject({ proposalId: idSchema, kind: z.literal('dissolve'), payload: z.strictObject({}).optional(), description: textSchema(1024).optional() }),
]);
export type Proposal = z.output<typeof proposalSchema>;

/** `revenue:<revenueId>` or `relay:<sourceChannel>:<sourceTxId>`. */
export const allocationIdSchema = z.string().regex(/^(revenue:[A-Za-z0-9][A-Za-z0-9._:-]{0,127}|relay:dao-[a-z0-9-]{1,41}-v\d{1,4}:[A-Za-z0-9]{1,128})$/, 'must be revenue:<revenueId> or relay:<channel>:<txId>');

export const choiceSchema = z.enum(['yes', 'no']);

export const computationSchema = z.strictObject({
  jobId: idSchema,
  computation: idSchema,
  members: z.array(mspIdSchema).min(1).max(256),
  resultDigest: digestSchema,
});

export const provisionedSchema = z.strictObject({
  revision: positiveInt,
  /** Digest of the provisioner's outputs (kept off-chain). */
  outputsDigest: digestSchema,
  resources: z.record(z.string().max(128), integerJsonSchema).optional(),
});

export const failedSchema = z.strictObject({
  revision: positiveInt,
  reason: textSchema(1024),
});

export { mspIdSchema, idSchema };

export type Revenue = z.output<typeof revenueSchema>;
export type Successor = z.output<typeof successorSchema>;
export type AllocationRelay = z.output<typeof allocationReceivedSchema>;
export type WorkloadRegistration = z.output<typeof workloadSchema>;
export type Snapshot = z.output<typeof snapshotSchema>;
export type Choice = z.output<typeof choiceSchema>;
export type ComputationReport = z.output<typeof computationSchema>;
export type ProvisionedReport = z.output<typeof provisionedSchema>;
export type FailedReport = z.output<typeof failedSchema>;
