import { z } from 'zod';
import { decodeCloudEvent, type CloudEvent } from '../cloudevent';
import { LEDGER_EVENT_TYPE, ledgerEventSchema, type LedgerEvent } from './ledger-event.v1';

/**
 * Payloads of the `dao` chaincode's events that services read from `datawell.ledger.events.v1`.
 * Each schema requires what every reader needs and types the other fields services read; further
 * fields pass through (loose objects). A service needing more extends one (`.extend({...})`).
 */

/** Parses a message value of the ledger events topic; a malformed one is a ContractValidationError. */
export function decodeLedgerEvent(bytes: Buffer | string | null): CloudEvent<LedgerEvent> {
  return decodeCloudEvent(bytes, LEDGER_EVENT_TYPE, ledgerEventSchema);
}

const nonEmpty = z.string().min(1);
const ms = z.number().int().nonnegative();

export const daoMemberPayloadSchema = z.looseObject({
  mspId: nonEmpty,
  group: z.string().regex(/^(D|J[1-9]\d{0,3})$/),
  role: z.enum(['DSP', 'VSP']),
  weight: z.number().int().positive(),
  ownershipPpm: z.number().int().min(0).max(1_000_000),
});

/** `VersionCreated`: a DAO version began, with its members and terms. */
export const versionCreatedPayloadSchema = z.looseObject({
  daoId: nonEmpty,
  version: z.number().int().positive(),
  agreementId: nonEmpty.optional(),
  betaPpm: z.number().int().optional(),
  members: z.array(daoMemberPayloadSchema).min(1),
  terms: z.looseObject({}).optional(),
  /** The InitVersion's transaction time, and when the term of the agreement ends for the joining group. */
  createdAtMs: ms.optional(),
  contractEndsAtMs: ms.optional(),
});
export type VersionCreatedPayload = z.output<typeof versionCreatedPayloadSchema>;

/**
 * `MemberAbandoned` / `MemberExited`: a member left; `dissolved` when the DAO version ended with it.
 * An exit's `reason`: the member's own notice (`exit`) or the end of its version's term (`contract-ended`).
 */
export const memberLeftPayloadSchema = z.looseObject({
  mspId: nonEmpty,
  dissolved: z.boolean().optional(),
  reason: z.enum(['exit', 'contract-ended']).optional(),
  decidedAtMs: ms.optional(),
  exitedAtMs: ms.optional(),
});
export type MemberLeftPayload = z.output<typeof memberLeftPayloadSchema>;

/** `WorkloadRegistered`: a provisioned workload's key, under the id it heartbeats with. */
export const workloadRegisteredPayloadSchema = z.looseObject({
  workloadId: nonEmpty,
  owner: nonEmpty,
  keyType: z.string().optional(),
  publicKeyPem: z.string().optional(),
  daoId: z.string().optional(),
  version: z.number().int().min(1).optional(),
});
export type WorkloadRegisteredPayload = z.output<typeof workloadRegisteredPayloadSchema>;

const amount = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);

/** `RevenueRecorded` / `AllocationReceived`: the level's allocation and its payouts (amounts as decimal strings). */
export const allocationPayoutsPayloadSchema = z.looseObject({
  revenueId: z.string().optional(),
  allocation: z.looseObject({ allocationId: z.string().optional(), payouts: z.array(z.looseObject({ mspId: z.string(), amount })) }),
});
export type AllocationPayoutsPayload = z.output<typeof allocationPayoutsPayloadSchema>;

/**
 * One MPC node the provisioner runs for a managed `mpc-node` workload, as reported in
 * `InfrastructureProvisioned`'s `resources.mpcNodes`: its workload, the member (MSP id) it serves,
 * its party index in the version's mesh and its control API (mutual TLS, https).
 */
export const provisionedMpcNodeSchema = z.looseObject({
  workloadId: nonEmpty,
  owner: nonEmpty,
  partyIndex: z.number().int().nonnegative(),
  controlUrl: nonEmpty,
});
export type ProvisionedMpcNode = z.output<typeof provisionedMpcNodeSchema>;

/**
 * `InfrastructureProvisioned`: the provisioner built the version's infrastructure revision (the
 * DAO and version are the channel's). `resources` is the provisioner's summary; `mpcNodes`, when
 * present, lists the MPC nodes it runs for members.
 */
export const infrastructureProvisionedPayloadSchema = z.looseObject({
  revision: z.number().int().positive(),
  status: z.literal('provisioned').optional(),
  reportedBy: nonEmpty.optional(),
  atMs: ms.optional(),
  outputsDigest: z.string().optional(),
  resources: z.looseObject({ mpcNodes: z.array(provisionedMpcNodeSchema).optional() }).optional(),
});
export type InfrastructureProvisionedPayload = z.output<typeof infrastructureProvisionedPayloadSchema>;
