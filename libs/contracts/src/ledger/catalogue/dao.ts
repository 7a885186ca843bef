import { z } from 'zod';
import { PPM, groupSchema, infrastructureSchema, integerJsonSchema, roleSchema, termsSchema } from '@datawell/domain';
import { defineChaincode, evaluated, jsonArg, submitted, textArg, type DecodedEvent } from './define';
import { datasetNameSchema, usageEntrySchema, usageRecordedPayloadSchema } from './usage';
import { amountSchema, chaincodeNameSchema, daoChannelSchema, daoIdSchema, digestSchema, idSchema, mspIdSchema, nonNegativeInt, positiveInt, ppmSchema, textSchema, txIdSchema } from './values';

/*
 * The `dao` chaincode, on every DAO channel dao-<d>-v<i>: version i of a DAO (docs/ledger.md).
 * Arguments are strict (what the chaincode accepts); event payloads are loose (readers take what
 * they need, further fields pass through) and require only what every reader relies on.
 */

// ---------------------------------------------------------------- transaction arguments

/** InitVersion: the signed agreement of version i. */
export const agreementSchema = z.strictObject({
  agreementId: idSchema,
  daoId: daoIdSchema,
  version: positiveInt.max(9999, 'must be at most 9999'),
  /** β_i of this version only, strictly inside (0, 10^6). */
  betaPpm: ppmSchema.min(1, 'must be above 0 ppm').max(PPM - 1, 'must be below 10^6 ppm'),
  members: z
    .array(
      z.strictObject({
        mspId: mspIdSchema,
        group: groupSchema,
        role: roleSchema,
        /** Integer weight inside the member's group (splits the group's payout). */
        weight: positiveInt.max(1_000_000_000, 'is too large'),
        /** The member's share of total profit from the signed agreement, for ownership-weighted votes. */
        ownershipPpm: ppmSchema,
      }),
    )
    .min(2, 'needs the founding group and at least one joining group')
    .max(256),
  terms: termsSchema,
  infrastructure: infrastructureSchema,
  /** Digest of the signed agreement document kept by the negotiation service. */
  documentDigest: digestSchema,
});
export type Agreement = z.output<typeof agreementSchema>;

/** A party's acceptance of the agreement: its enrolled certificate and its signature (negotiation's). */
export const agreementSignatureSchema = z.strictObject({
  mspId: mspIdSchema,
  /** The enrollment id the certificate names (its CN). */
  enrollmentId: z.string().min(1).max(128),
  certificatePem: z.string().min(1).max(8192),
  /** base64 ECDSA-SHA256 (DER) over the canonical JSON of the agreement. */
  signature: z.string().min(1).max(512),
});

/**
 * InitVersion's second argument: the acceptances the chaincode verifies (docs/ledger.md, "Consent"),
 * and, for a join, the name of the dao chaincode on version i−1's channel, whose recorded ownership
 * the majority is counted in (`dao` in a real deployment).
 */
export const acceptancesSchema = z.strictObject({
  signatures: z.array(agreementSignatureSchema).min(1, 'needs the signatures of the members who accepted').max(256),
  previousChaincode: chaincodeNameSchema.default('dao'),
});
export type Acceptances = z.output<typeof acceptancesSchema>;

/** RecordRevenue: revenue the DAO earned, recorded on its top channel. */
export const revenueSchema = z.strictObject({
  revenueId: idSchema,
  /** Minor units, > 0. */
  amount: amountSchema.refine((a) => a > 0n, 'must be positive'),
  /** What was sold: one use, or one subscription period. */
  kind: z.enum(['use', 'subscription-period']),
  reference: textSchema(256).optional(),
});

/** RecordSuccessor: the name of the dao chaincode on channel dao-<d>-v<i+1> (`dao` in a real deployment). */
export const successorSchema = z.strictObject({ chaincode: chaincodeNameSchema.default('dao') });

/** AllocationReceived (the transaction): the rest of an allocation on CH_{i+1}, relayed to CH_i. */
export const allocationRelaySchema = z.strictObject({
  sourceChannel: daoChannelSchema,
  sourceTxId: txIdSchema,
  amount: amountSchema.refine((a) => a > 0n, 'must be positive'),
  /** The name the dao chaincode has on the source channel (`dao` in a real deployment). */
  sourceChaincode: chaincodeNameSchema.default('dao'),
});

/** RegisterWorkload: a workload the caller runs, with the public key its heartbeats are signed with. */
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

/** RecordTelemetry: signed heartbeats of registered workloads. */
export const snapshotSchema = z.strictObject({
  snapshotId: idSchema,
  heartbeats: z.array(heartbeatSchema).min(1, 'needs at least one heartbeat').max(1000, 'at most 1000 heartbeats per snapshot'),
});

/** CreateProposal. */
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

/**
 * OfferTransfer: the caller offers its whole position (level, group weight, ownership, entitlement to
 * future revenue) to `to`, another active member of its own group or a newcomer registered on the
 * marketplace with the caller's role. A position spans the channels of its level and above: the same
 * transfer (same id) is made on each of them (docs/governance.md, "Transfer of rights").
 */
export const transferOfferSchema = z.strictObject({ transferId: idSchema, to: mspIdSchema });

/**
 * Why the dao chaincode refused a proposal, a vote or an exit: the first word of its message after
 * the code (`CONFLICT: ALREADY_VOTED: …`), so a client maps the refusal without reading its prose.
 */
export const DAO_REFUSALS = ['PROPOSAL_EXISTS', 'ALREADY_A_MEMBER', 'ALREADY_VOTED', 'PROPOSAL_DECIDED', 'VOTING_CLOSED', 'VOTING_OPEN', 'EXIT_ALREADY_REQUESTED', 'EXIT_NOT_REQUESTED', 'EXIT_NOTICE_RUNNING', 'DAO_DISSOLVED', 'NOT_REVENUE_RECORDER',
  // transfers of rights (chaincode/dao/src/transactions/transfer.ts)
  'TRANSFER_EXISTS', 'TRANSFER_PENDING', 'TRANSFER_DECIDED', 'SELF_TRANSFER', 'RECIPIENT_AT_OTHER_LEVEL', 'RECIPIENT_NOT_ACTIVE', 'RECIPIENT_NOT_PARTICIPANT', 'ROLE_MISMATCH', 'NOT_TRANSFER_RECIPIENT', 'NOT_TRANSFER_PARTY', 'ALREADY_CONSENTED'] as const;
export type DaoRefusal = (typeof DAO_REFUSALS)[number];

/** The refusal a dao chaincode message names (`…: VOTING_CLOSED: …`), if any. */
export function daoRefusalOf(message: string): DaoRefusal | undefined {
  const found = /\b(?:INVALID_ARGUMENT|FORBIDDEN|NOT_FOUND|CONFLICT): ([A-Z_]+):/.exec(message)?.[1];
  return (DAO_REFUSALS as readonly string[]).includes(found ?? '') ? (found as DaoRefusal) : undefined;
}

/** ComputationCompleted (the transaction): a finished MPC job. */
export const computationSchema = z.strictObject({
  jobId: idSchema,
  computation: idSchema,
  members: z.array(mspIdSchema).min(1).max(256),
  resultDigest: digestSchema,
});

/** InfrastructureProvisioned (the transaction): the provisioner built the requested revision. */
export const provisionedReportSchema = z.strictObject({
  revision: positiveInt,
  /** Digest of the provisioner's outputs (kept off-chain). */
  outputsDigest: digestSchema,
  resources: z.record(z.string().max(128), integerJsonSchema).optional(),
});

/** InfrastructureFailed (the transaction): the provisioner could not build the requested revision. */
export const failedReportSchema = z.strictObject({
  revision: positiveInt,
  reason: textSchema(1024),
});

// ---------------------------------------------------------------- event payloads

const nonEmpty = z.string().min(1);
const ms = z.number().int().nonnegative();
/** An amount in an event: a decimal string (or a safe integer), read as a decimal string. */
const eventAmount = z
  .union([z.number().int().nonnegative().refine(Number.isSafeInteger, 'must be a safe integer'), z.string().regex(/^\d+$/, 'must be a whole number')])
  .transform((v) => String(v));

/** Every event's payload also carries `type` (its name), `txId` and `channel` (chaincode-common `emitEvent`). */
const event = <S extends z.core.$ZodLooseShape>(shape: S) => z.looseObject({ type: z.string().optional(), txId: z.string().optional(), channel: z.string().optional(), ...shape });

export const daoMemberPayloadSchema = z.looseObject({
  mspId: nonEmpty,
  group: groupSchema,
  role: roleSchema,
  weight: z.number().int().positive(),
  ownershipPpm: z.number().int().min(0).max(PPM),
});

/** `VersionCreated`: a DAO version began, with its members and terms, and the infrastructure it requests. */
export const versionCreatedPayloadSchema = event({
  daoId: nonEmpty,
  version: z.number().int().positive(),
  agreementId: nonEmpty.optional(),
  agreementDigest: z.string().optional(),
  betaPpm: z.number().int().optional(),
  members: z.array(daoMemberPayloadSchema).min(1),
  terms: z.looseObject({}).optional(),
  /** The InitVersion's transaction time, and when the term of the agreement ends for the joining group. */
  createdAtMs: ms.optional(),
  contractEndsAtMs: ms.optional(),
  infrastructureRequested: z.looseObject({ revision: z.number().int().positive().optional(), spec: z.unknown().optional() }).optional(),
});
export type VersionCreatedPayload = z.output<typeof versionCreatedPayloadSchema>;

/** `VersionSuperseded`: version i+1 exists; revenue is recorded there from now on. */
export const versionSupersededPayloadSchema = event({
  daoId: nonEmpty.optional(),
  version: z.number().int().positive().optional(),
  successorChannel: z.string().optional(),
  successorAgreementId: z.string().optional(),
  supersededAtMs: ms.optional(),
  /** When the successor was created: subscription periods beginning from then on are charged there. */
  successorCreatedAtMs: ms.optional(),
  /** Both versions subscriptions priced per period: whether the successor continues the DAO's grid of periods. */
  periodsContinue: z.boolean().optional(),
});

/** What CH_i did with a lump: J_i's payouts and the rest passed to DAO^(i−1) (`restTo.channel`) or paid to D on CH_1. */
export const levelAllocationSchema = z.looseObject({
  allocationId: z.string().optional(),
  level: z.number().int().positive(),
  lump: eventAmount.optional(),
  betaPpm: z.number().int().optional(),
  levelEnded: z.boolean().optional(),
  joiningShare: eventAmount.optional(),
  /** L_{i−1}: the rest after J_i's share, in minor units. */
  rest: eventAmount,
  restTo: z.union([z.strictObject({ channel: z.string().min(1) }), z.strictObject({ group: z.literal('D') })]),
  /** J_i's payouts, and on CH_1 also D's (amounts as decimal strings). */
  payouts: z.array(z.looseObject({ mspId: z.string(), amount: eventAmount })).optional(),
  txId: z.string().optional(),
  atMs: ms.optional(),
});
export type LevelAllocation = z.output<typeof levelAllocationSchema>;

/** `RevenueRecorded`: revenue recorded on the top channel, with this level's allocation. */
export const revenueRecordedPayloadSchema = event({
  revenueId: z.string().optional(),
  amount: eventAmount.optional(),
  kind: z.string().optional(),
  recordedBy: z.string().optional(),
  /** Revenue at the terms' price: a metered computation (MeterComputation, with its job) or a charged subscription period (ChargeSubscription). */
  metered: z.boolean().optional(),
  jobId: z.string().optional(),
  period: z.number().int().nonnegative().optional(),
  allocation: levelAllocationSchema,
});
export type RevenueRecordedPayload = z.output<typeof revenueRecordedPayloadSchema>;

/** `AllocationReceived` (the event): a lump relayed from CH_{i+1}, with this level's allocation. */
export const allocationReceivedPayloadSchema = event({
  sourceChannel: z.string().optional(),
  sourceTxId: z.string().optional(),
  amount: eventAmount.optional(),
  allocation: levelAllocationSchema,
});
export type AllocationReceivedPayload = z.output<typeof allocationReceivedPayloadSchema>;

/** `WorkloadRegistered`: a provisioned workload's key, under the id it heartbeats with. */
export const workloadRegisteredPayloadSchema = event({
  workloadId: nonEmpty,
  owner: nonEmpty,
  keyType: z.string().optional(),
  publicKeyPem: z.string().optional(),
  daoId: z.string().optional(),
  version: z.number().int().min(1).optional(),
});
export type WorkloadRegisteredPayload = z.output<typeof workloadRegisteredPayloadSchema>;

/** `TelemetryRecorded`: a snapshot of verified heartbeats, summarised by workload. */
export const telemetryRecordedPayloadSchema = event({
  snapshotId: z.string().optional(),
  recordedBy: z.string().optional(),
  heartbeats: z.number().int().nonnegative().optional(),
  workloads: z.array(z.looseObject({ workloadId: z.string(), owner: z.string(), lastSeq: z.number().int().optional(), lastHeartbeatMs: ms.optional() })).optional(),
});
export type TelemetryRecordedPayload = z.output<typeof telemetryRecordedPayloadSchema>;

/**
 * `MemberAbandoned` / `MemberExited`: a member left; `dissolved` when the DAO version ended with it.
 * An exit's `reason`: the member's own notice (`exit`) or the end of its version's term (`contract-ended`).
 */
export const memberLeftPayloadSchema = event({
  mspId: nonEmpty,
  group: z.string().optional(),
  role: z.string().optional(),
  dissolved: z.boolean().optional(),
  levelEnded: z.boolean().optional(),
  reason: z.enum(['exit', 'contract-ended']).optional(),
  /** null (or absent) when the member never heartbeat. */
  lastHeartbeatMs: ms.nullish(),
  deadlineMs: ms.optional(),
  decidedAtMs: ms.optional(),
  exitedAtMs: ms.optional(),
  contractEndsAtMs: ms.optional(),
});
export type MemberLeftPayload = z.output<typeof memberLeftPayloadSchema>;

/**
 * `TransferOffered` / `TransferConsented` / `TransferAccepted`: a step of a transfer of rights that
 * left it open; `MemberTransferred`: the step that completed it (the position moved from `from` to `to`).
 */
export const transferPayloadSchema = event({
  transferId: nonEmpty,
  from: nonEmpty,
  to: nonEmpty,
  group: z.string().optional(),
  level: z.number().int().nonnegative().optional(),
  by: z.string().optional(),
  accepted: z.boolean().optional(),
  consents: z.array(z.string()).optional(),
  consentedPpm: z.number().int().optional(),
  activeOwnershipPpm: z.number().int().optional(),
  recipientWasMember: z.boolean().optional(),
  atMs: ms.optional(),
  /** `MemberTransferred`: the version's terms after the move (the leaver's roles in them are the recipient's). */
  terms: z.looseObject({}).optional(),
});
export type TransferPayload = z.output<typeof transferPayloadSchema>;

/** `ExitRequested`: a member gave notice; its exit may complete from `effectiveAtMs`. */
export const exitRequestedPayloadSchema = event({
  mspId: nonEmpty,
  group: z.string().optional(),
  requestedAtMs: ms.optional(),
  effectiveAtMs: ms.optional(),
});

export const proposalKindSchema = z.enum(['change-terms', 'admit-member', 'change-infrastructure', 'dissolve']);
const proposalKind = proposalKindSchema;
const voteSummary = z.looseObject({ mspId: z.string(), choice: choiceSchema, weightPpm: z.number().int() });

/** `ProposalCreated`. */
export const proposalCreatedPayloadSchema = event({
  proposalId: nonEmpty,
  kind: proposalKind,
  payload: z.unknown().optional(),
  description: z.string().optional(),
  proposer: z.string().optional(),
  /** Votes count until then (transaction time); the quorum of a decision at the deadline. */
  votingEndsAtMs: ms.optional(),
  quorumPpm: z.number().int().optional(),
});

/** `VoteCast`: a vote that left the proposal open. */
export const voteCastPayloadSchema = event({
  proposalId: nonEmpty.optional(),
  kind: proposalKind.optional(),
  vote: voteSummary.optional(),
  yesPpm: z.number().int().optional(),
  noPpm: z.number().int().optional(),
  activeOwnershipPpm: z.number().int().optional(),
});

/**
 * `ProposalDecided`: the deciding vote (or, at the deadline, CloseProposal's tally: `expired` when
 * fewer than the quorum voted) and, for an accepted proposal, its effect on this version.
 */
export const proposalDecidedPayloadSchema = event({
  proposalId: nonEmpty.optional(),
  kind: proposalKind.optional(),
  outcome: z.enum(['accepted', 'rejected', 'expired']).optional(),
  vote: voteSummary.optional(),
  yesPpm: z.number().int().optional(),
  noPpm: z.number().int().optional(),
  activeOwnershipPpm: z.number().int().optional(),
  effect: z
    .looseObject({
      terms: z.unknown().optional(),
      infrastructureRequested: z.looseObject({ revision: z.number().int().positive().optional(), spec: z.unknown().optional() }).optional(),
      dissolved: z.boolean().optional(),
      admit: z.unknown().optional(),
      nextChannel: z.string().optional(),
    })
    .optional(),
});
export type ProposalDecidedPayload = z.output<typeof proposalDecidedPayloadSchema>;

/** `ComputationCompleted` (the event): a finished MPC job and who receives its result. */
export const computationCompletedPayloadSchema = event({
  jobId: nonEmpty,
  computation: z.string().optional(),
  members: z.array(z.string()).optional(),
  resultDigest: z.string().optional(),
  recipients: z.array(z.string()).optional(),
  recordedBy: z.string().optional(),
  atMs: ms.optional(),
});
export type ComputationCompletedPayload = z.output<typeof computationCompletedPayloadSchema>;

/**
 * One MPC node the provisioner runs for a managed `mpc-node` workload, as reported in
 * `InfrastructureProvisioned`'s `resources.mpcNodes`: its workload, the member (MSP id) it serves,
 * its party index in the version's mesh and its control API (mutual TLS, https).
 * A node a member runs in its own domain (reported in its `InfrastructurePartProvisioned`) also
 * carries what the other nodes need to reach and authenticate it: its mesh endpoint, its TLS
 * certificate (issued by the member's own CA) and that CA's certificate. The members' nodes and the
 * coordinator pin these certificates: they are authentic because the member's own identity reported
 * them on the channel.
 */
export const provisionedMpcNodeSchema = z.looseObject({
  workloadId: nonEmpty,
  owner: nonEmpty,
  partyIndex: z.number().int().nonnegative(),
  controlUrl: nonEmpty,
  meshEndpoint: z.string().regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port').optional(),
  certificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----').max(4096).optional(),
  caCertificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----').max(4096).optional(),
});
export type ProvisionedMpcNode = z.output<typeof provisionedMpcNodeSchema>;

/**
 * `InfrastructureProvisioned` (the event): the provisioner built the version's infrastructure revision
 * (the DAO and version are the channel's). `resources` is the provisioner's summary; `mpcNodes`, when
 * present, lists the MPC nodes it runs for members.
 */
export const infrastructureProvisionedPayloadSchema = event({
  revision: z.number().int().positive(),
  status: z.literal('provisioned').optional(),
  reportedBy: nonEmpty.optional(),
  atMs: ms.optional(),
  outputsDigest: z.string().optional(),
  resources: z.looseObject({ mpcNodes: z.array(provisionedMpcNodeSchema).optional() }).optional(),
  /** When the members' own provisioners reported in parts: the members whose parts make it up. */
  parts: z.array(nonEmpty).optional(),
});
export type InfrastructureProvisionedPayload = z.output<typeof infrastructureProvisionedPayloadSchema>;

/** `InfrastructureFailed` (the event): the provisioner could not build the revision. */
export const infrastructureFailedPayloadSchema = event({
  revision: z.number().int().positive(),
  status: z.literal('failed').optional(),
  reportedBy: nonEmpty.optional(),
  atMs: ms.optional(),
  reason: z.string().optional(),
});

/**
 * `InfrastructurePartProvisioned` (the event): one member's own provisioner built its part of a
 * revision (trust domains) while other parts are still missing. The last part's transaction emits
 * `InfrastructureProvisioned` instead, and a failed part `InfrastructureFailed`.
 */
export const infrastructurePartPayloadSchema = event({
  revision: z.number().int().positive(),
  mspId: nonEmpty,
  status: z.literal('provisioned'),
  outputsDigest: z.string(),
  resources: z.looseObject({ mpcNodes: z.array(provisionedMpcNodeSchema).optional() }).optional(),
  atMs: ms,
});
export type InfrastructurePartPayload = z.output<typeof infrastructurePartPayloadSchema>;

// ---------------------------------------------------------------- the catalogue

const mspIdArg = textArg('mspId', mspIdSchema);

/** The dao chaincode: every transaction with its arguments, every event with its payload. */
export const DAO = defineChaincode('dao', {
  transactions: {
    InitVersion: submitted(jsonArg('agreement', agreementSchema), jsonArg('acceptances', acceptancesSchema)),
    GetVersion: evaluated(),
    GetMember: evaluated(mspIdArg),
    RecordRevenue: submitted(jsonArg('revenue', revenueSchema)),
    AllocationReceived: submitted(jsonArg('relay', allocationRelaySchema)),
    GetAllocation: evaluated(textArg('allocationId', allocationIdSchema)),
    GetAllocationByTx: evaluated(textArg('txId', txIdSchema)),
    GetEntitlements: evaluated(),
    GetEntitlement: evaluated(mspIdArg),
    RecordSuccessor: submitted(jsonArg('successor', successorSchema)),
    RegisterWorkload: submitted(jsonArg('workload', workloadSchema)),
    GetWorkload: evaluated(textArg('workloadId', idSchema)),
    RecordTelemetry: submitted(jsonArg('snapshot', snapshotSchema)),
    EvaluateAbandonment: submitted(mspIdArg),
    RequestExit: submitted(),
    CompleteExit: submitted(mspIdArg),
    OfferTransfer: submitted(jsonArg('offer', transferOfferSchema)),
    ConsentTransfer: submitted(textArg('transferId', idSchema)),
    AcceptTransfer: submitted(textArg('transferId', idSchema)),
    GetTransfer: evaluated(textArg('transferId', idSchema)),
    EvaluateContractEnd: submitted(mspIdArg),
    CreateProposal: submitted(jsonArg('proposal', proposalSchema)),
    CastVote: submitted(textArg('proposalId', idSchema), textArg('choice', choiceSchema)),
    GetProposal: evaluated(textArg('proposalId', idSchema)),
    CloseProposal: submitted(textArg('proposalId', idSchema)),
    ComputationCompleted: submitted(jsonArg('job', computationSchema)),
    MeterComputation: submitted(textArg('jobId', idSchema)),
    ChargeSubscription: submitted(textArg('period', z.string().regex(/^(0|[1-9]\d{0,5})$/, 'must be a period number 0…999999'))),
    InfrastructureProvisioned: submitted(jsonArg('report', provisionedReportSchema)),
    InfrastructureFailed: submitted(jsonArg('report', failedReportSchema)),
    InfrastructurePartProvisioned: submitted(jsonArg('report', provisionedReportSchema)),
    InfrastructurePartFailed: submitted(jsonArg('report', failedReportSchema)),
    RecordUsage: submitted(jsonArg('usage', usageEntrySchema)),
    GetUsage: evaluated(textArg('dataset', datasetNameSchema)),
    /** A private transaction's response and event (docs/ledger.md, "Private data"), for its members. */
    GetTransaction: evaluated(textArg('txId', txIdSchema)),
  },
  events: {
    VersionCreated: versionCreatedPayloadSchema,
    VersionSuperseded: versionSupersededPayloadSchema,
    RevenueRecorded: revenueRecordedPayloadSchema,
    AllocationReceived: allocationReceivedPayloadSchema,
    WorkloadRegistered: workloadRegisteredPayloadSchema,
    TelemetryRecorded: telemetryRecordedPayloadSchema,
    MemberAbandoned: memberLeftPayloadSchema,
    ExitRequested: exitRequestedPayloadSchema,
    MemberExited: memberLeftPayloadSchema,
    TransferOffered: transferPayloadSchema,
    TransferConsented: transferPayloadSchema,
    TransferAccepted: transferPayloadSchema,
    MemberTransferred: transferPayloadSchema,
    ProposalCreated: proposalCreatedPayloadSchema,
    VoteCast: voteCastPayloadSchema,
    ProposalDecided: proposalDecidedPayloadSchema,
    ComputationCompleted: computationCompletedPayloadSchema,
    InfrastructureProvisioned: infrastructureProvisionedPayloadSchema,
    InfrastructureFailed: infrastructureFailedPayloadSchema,
    InfrastructurePartProvisioned: infrastructurePartPayloadSchema,
    UsageRecorded: usageRecordedPayloadSchema,
  },
});

export type DaoEvent = DecodedEvent<typeof DAO.events>;
export type DaoEventName = DaoEvent['name'];
export type DaoTransactionName = keyof typeof DAO.transactions;

/** Events whose allocation may pass a rest inward (to CH_{i−1}). */
export const ALLOCATING_EVENTS: readonly DaoEventName[] = [DAO.event.RevenueRecorded, DAO.event.AllocationReceived];
