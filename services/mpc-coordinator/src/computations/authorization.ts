import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '@datawell/domain';
import { DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/contracts';
import { CATALOGUE, columnRange, type CatalogueProgram } from '@datawell/mpc';
import { forbidden, invalid, type CoordinatorError } from './computations.errors';

/**
 * The coordinator's rules, pure: who may ask for what on a DAO version (from the read model of
 * ledger events), and the shape of a request. The chaincode checks the same again when
 * ComputationCompleted is recorded.
 */
export interface VersionMember {
  readonly mspId: string;
  readonly role: string;
  readonly group: string;
  readonly status: 'active' | 'abandoned' | 'exited';
}

export interface DaoVersionView {
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly members: readonly VersionMember[];
  readonly computations: ReadonlyArray<{ readonly name: string; readonly resultRecipients: readonly string[] }>;
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

export interface AuthorizedComputation {
  readonly program: CatalogueProgram;
  readonly recipients: readonly string[];
  readonly owner: string;
}

export function memberOf(version: DaoVersionView, mspId: string): VersionMember | undefined {
  return version.members.find((m) => m.mspId === mspId);
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

export function authorizeRequest(version: DaoVersionView, caller: string, request: ComputationRequest): AuthorizedComputation {
  const me = memberOf(version, caller);
  if (!me) throw forbidden(`${caller} is not a member of ${version.daoId} version ${version.version}`, 'requester-member');
  if (me.status !== 'active') throw forbidden(`${caller} is ${me.status} in ${version.daoId} version ${version.version}`, 'requester-active');
  const allowed = version.computations.find((c) => c.name === request.computation);
  if (!allowed) throw forbidden(`computation ${request.computation} is not allowed by the terms of ${version.daoId} version ${version.version}`, 'computation-allowed');
  const recipients = [...allowed.resultRecipients];
  if (request.recipients) {
    const a = [...new Set(request.recipients)].sort();
    if (a.length !== request.recipients.length || canonicalJson(a) !== canonicalJson([...recipients].sort())) {
      throw forbidden(`computation ${request.computation} may only go to ${recipients.join(', ')}`, 'recipients-allowed');
    }
  }
  for (const r of recipients) {
    if (memberOf(version, r)?.status !== 'active') throw forbidden(`recipient ${r} is not an active member`, 'recipients-active');
  }
  if (!(CATALOGUE as readonly string[]).includes(request.computation)) {
    throw invalid(`computation ${request.computation} has no program in the catalogue (${CATALOGUE.join(', ')})`, 'program');
  }
  const program = request.computation as CatalogueProgram;
  const [lo, hi] = columnRange(program);
  const n = request.parameters.columns.length;
  if (n < lo || n > hi) throw invalid(`parameters.columns: ${program} takes ${lo === hi ? lo : `${lo} to ${hi}`} columns`, 'parameters');
  const dsps = version.members.filter((m) => m.role === 'DSP');
  let owner = request.dataset.owner;
  if (!owner) {
    if (dsps.length !== 1) throw invalid('dataset.owner: the version has several data owners; name one', 'dataset-owner');
    owner = dsps[0]!.mspId;
  }
  const o = memberOf(version, owner);
  if (!o || o.role !== 'DSP') throw invalid(`dataset.owner: ${owner} is not a data owner (DSP) of this version`, 'dataset-owner');
  if (o.status !== 'active') throw forbidden(`data owner ${owner} is ${o.status}`, 'owner-active');
  return { program, recipients, owner };
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

/**
 * JSON with sorted keys that, unlike the ledger's canonical JSON, admits floating-point numbers
 * (results are reals): each number in ECMAScript's shortest round-trip form.
 */
export function resultJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(resultJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${resultJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('a result holds a non-finite number');
  return JSON.stringify(value);
}

/** SHA-256 of a result's sorted-key JSON: what the ledger records. */
export function resultDigest(result: unknown): string {
  return createHash('sha256').update(resultJson(result)).digest('hex');
}
