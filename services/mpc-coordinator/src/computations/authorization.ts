import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '@datawell/domain';
import { DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/contracts';
import { authorizeComputation, versionMemberOf, type AuthorizedComputation, type LedgerVersionMember as VersionMember, type LedgerVersionView } from '@datawell/mpc';
import { forbidden, invalid, type CoordinatorError } from './computations.errors';

/**
 * The coordinator's rules, pure: who may ask for what on a DAO version (from the read model of
 * ledger events), and the shape of a request. The chaincode checks the same again when
 * ComputationCompleted is recorded.
 */
export type { AuthorizedComputation, LedgerVersionMember as VersionMember } from '@datawell/mpc';

/** A version of the read model: the shared rule's view, and the version's channel. */
export interface DaoVersionView extends LedgerVersionView {
  readonly channel: string;
}

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');

/** The path parameters of a DAO version's routes (/daos/:daoId/versions/:version/…), documented from these. */
export const versionRouteParams = {
  daoId: z.string().regex(DAO_ID_PATTERN, 'must be a DAO id'),
  version: z.coerce.number().int('must be an integer 1-9999').min(1, 'must be an integer 1-9999').max(9999, 'must be an integer 1-9999'),
} as const;

export const computationRequestSchema = z.strictObject({
  daoId: z.string().regex(DAO_ID_PATTERN, 'must be a DAO id'),
  version: z.number().int().min(1).max(9999),
  computation: id.describe(
    "A computation named in the version's terms (and in the catalogue: sum, mean, variance, covariance, dot-product, linear-regression); it names the program that runs",
  ),
  parameters: z
    .strictObject({
      columns: z.array(z.string().min(1).max(128)).min(1).max(5).describe('Dataset columns the program reads, in order (regression: features, then y)'),
      fractionalBits: z.number().int().min(0).max(24).default(16).describe('Fixed-point fractional bits (0–24)'),
    }),
  dataset: z.strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a dataset name')
      .describe("A dataset the owner's MPC node serves (its MPC_NODE_DATASETS)"),
    owner: z.string().regex(MSP_ID_PATTERN).optional().describe("The data owner (a DSP member); default: the version's only DSP"),
  }),
  recipients: z.array(z.string()).min(1).max(64).optional().describe('When given, exactly the recipients the terms name for this computation'),
  requestId: id.optional().describe('Idempotency key: the same key from the same caller names the same computation'),
});
export type ComputationRequest = z.output<typeof computationRequestSchema>;

export function parseComputationRequest(body: unknown): ComputationRequest {
  const parsed = computationRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

export function memberOf(version: DaoVersionView, mspId: string): VersionMember | undefined {
  return versionMemberOf(version, mspId);
}

/**
 * The data owner a request names (default: the version's only DSP), when it is a DSP member of the
 * version: whose usage trail the request belongs to, whatever else the checks say of it.
 */
export function datasetOwnerOf(version: DaoVersionView, request: Pick<ComputationRequest, 'dataset'>): string | undefined {
  const dsps = version.members.filter((m) => m.role === 'DSP');
  const owner = request.dataset.owner ?? (dsps.length === 1 ? dsps[0]!.mspId : undefined);
  return owner && dsps.some((m) => m.mspId === owner) ? owner : undefined;
}

/** The shared rule (@datawell/mpc authorizeComputation), its refusal thrown as FORBIDDEN or INVALID_REQUEST naming the check. */
export function authorizeRequest(version: DaoVersionView, caller: string, request: ComputationRequest): AuthorizedComputation {
  const decision = authorizeComputation(version, caller, {
    computation: request.computation,
    columns: request.parameters.columns,
    ...(request.recipients ? { recipients: request.recipients } : {}),
    ...(request.dataset.owner ? { owner: request.dataset.owner } : {}),
  });
  if ('granted' in decision) return decision.granted;
  const { kind, message, check } = decision.refused;
  throw kind === 'forbidden' ? forbidden(message, check) : invalid(message, check);
}

/**
 * A node registration's fields, whether a member PUTs it or the provisioner reports it on the ledger
 * (InfrastructureProvisioned's resources.mpcNodes).
 */
export const nodeRegistrationSchema = z.object({
  partyIndex: z.number().int().min(0).max(63).describe("The node's party index in its mesh (MPC_NODE_INDEX)"),
  controlUrl: z
    .url({ protocol: /^https$/ })
    .max(512)
    .describe("The node's control API; mutual TLS (docs/mpc.md), so https only"),
});

/** What PUT …/nodes takes: a registration and nothing else (the OpenAPI document says so too). */
export const nodeRegistrationRequestSchema = nodeRegistrationSchema.strict();

/** Why `mspId` may not register a node at `partyIndex` in this version, or undefined when it may. */
export function nodeRegistrationProblem(version: DaoVersionView, mspId: string, partyIndex: number): CoordinatorError | undefined {
  if (memberOf(version, mspId)?.status !== 'active') return forbidden(`${mspId} is not an active member of ${version.daoId} version ${version.version}`);
  if (partyIndex >= version.members.length) return invalid(`partyIndex: this version has ${version.members.length} members`);
  return undefined;
}

/** Computation ids: from the caller's request id when given (so a retried POST finds its computation). */
export function computationId(caller: string, request: ComputationRequest, random: () => string): string {
  if (!request.requestId) return `cmp-${random()}`;
  const h = createHash('sha256').update(canonicalJson({ caller, daoId: request.daoId, version: request.version, requestId: request.requestId })).digest('hex');
  return `cmp-${h.slice(0, 32)}`;
}

