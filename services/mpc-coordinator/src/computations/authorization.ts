import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '@datawell/domain';
import { DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/contracts';
import { CATALOGUE, columnRange, DEFAULT_FRACTIONAL_BITS, PRECISIONS, type AuthorizedComputation, type CatalogueProgram, type LedgerVersionMember as VersionMember } from '@datawell/mpc';
import { CoordinatorError, forbidden, invalid } from './computations.errors';

/**
 * The coordinator's rules, pure: who may ask for what on a DAO version (from the read model of the
 * public directory), and the shape of a request. The terms are the nodes' to check, each against its
 * own ledger, and the chaincode checks them again when ComputationCompleted is recorded.
 */
export type { AuthorizedComputation, LedgerVersionMember as VersionMember } from '@datawell/mpc';

/**
 * A version of the read model, a "public version": known from the marketplace's public directory
 * (DaoPublished) only, so its members' MSP ids (roles unknown: the identity directory gives them) and
 * its channel; its terms are private to the DAO's channel, which the operator's peer is not on.
 */
export interface DaoVersionView {
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly members: readonly VersionMember[];
}

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');

/** The path parameters of a DAO version's routes (/daos/:daoId/versions/:version/…), documented from these. */
export const versionRouteParams = {
  daoId: z.string().regex(DAO_ID_PATTERN, 'must be a DAO id'),
  version: z.coerce.number().int('must be an integer 1-9999').min(1, 'must be an integer 1-9999').max(9999, 'must be an integer 1-9999'),
} as const;

const SIGNED = "signed by the requester (computationRequestSigningText, docs/mpc.md)";

export const computationRequestSchema = z.strictObject({
  daoId: z.string().regex(DAO_ID_PATTERN, 'must be a DAO id'),
  version: z.number().int().min(1).max(9999),
  computation: id.describe(
    "A computation named in the version's terms (and in the catalogue: sum, mean, variance, covariance, dot-product, linear-regression); it names the program that runs",
  ),
  parameters: z
    .strictObject({
      columns: z.array(z.string().min(1).max(128)).min(1).max(5).describe('Dataset columns the program reads, in order (regression: features, then y)'),
      fractionalBits: z.number().int().min(0).max(24).default(DEFAULT_FRACTIONAL_BITS).describe(`Fixed-point fractional bits (0–24; default ${DEFAULT_FRACTIONAL_BITS}, signed as the value used)`),
      precision: z
        .enum(PRECISIONS)
        .optional()
        .describe(`The catalogue's precision (${PRECISIONS.join(', ')}; absent: fxp32, two limbs). Signed when it is not the default; another value is 400 INVALID_REQUEST`),
    })
    .describe(`The program's parameters, ${SIGNED} as their digest (parametersDigest of @datawell/contracts: SHA-256 of the canonical JSON of {columns, fractionalBits} and precision when not the default)`),
  dataset: z.strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a dataset name')
      .describe(`A dataset the owner's MPC node serves (its MPC_NODE_DATASETS); ${SIGNED}`),
    owner: z
      .string()
      .regex(MSP_ID_PATTERN, 'must be an MSP id')
      .optional()
      .describe(`The data owner (a DSP member of the version); ${SIGNED}, so a request names it (400 INVALID_REQUEST without)`),
  }),
  recipients: z
    .array(z.string())
    .min(1)
    .max(64)
    .optional()
    .describe(`Exactly the recipients the terms name for this computation; ${SIGNED}, so a request names them, even where the coordinator knows the terms (400 INVALID_REQUEST without)`),
  requestId: id
    .optional()
    .describe(`Idempotency key: the same key from the same caller names the same computation; ${SIGNED}, so a request names it (400 INVALID_REQUEST without), and each node takes part once per id`),
  issuedAtMs: z.number().int().min(0).describe('When the requester signed (ms since the epoch): taken for 10 minutes'),
  certificatePem: z.string().min(1).max(16_384).describe("The requester's enrolled certificate (PEM), issued by its organisation's CA, whose key made the signature"),
  signature: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
    .max(1024)
    .describe(
      "ECDSA-SHA256 (DER, base64) over computationRequestSigningText of @datawell/domain (canonical JSON of {kind: \"datawell.computation-request.v2\", requestId, daoId, version, computation, dataset: its name, owner: the dataset's owner, parametersDigest, recipients sorted, requester: the caller's MSP id, issuedAtMs}). Required: an unsigned request is refused (400 REQUEST_SIGNATURE_REQUIRED), a v1 signature too (400 REQUEST_SIGNATURE_OUTDATED). The MPC nodes in the members' domains check it again over what they are asked to compute (docs/mpc.md)",
    ),
});
export type ComputationRequest = z.output<typeof computationRequestSchema>;

const SIGNATURE_FIELDS = ['issuedAtMs', 'certificatePem', 'signature'] as const;

/**
 * The request, validated. One that carries none of the signature's fields is refused first with
 * 400 REQUEST_SIGNATURE_REQUIRED (whatever else is wrong with it): no request is taken that its
 * requester did not sign.
 */
export function parseComputationRequest(body: unknown): ComputationRequest {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && SIGNATURE_FIELDS.every((f) => (body as Record<string, unknown>)[f] === undefined)) {
    throw new CoordinatorError('REQUEST_SIGNATURE_REQUIRED', 'a computation request must be signed by its requester: issuedAtMs, certificatePem and signature over computationRequestSigningText (datawell.computation-request.v2)');
  }
  const parsed = computationRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

export function memberOf(version: DaoVersionView, mspId: string): VersionMember | undefined {
  return version.members.find((m) => m.mspId === mspId);
}

/**
 * The coordinator's part of the rule for a version (known from the public directory only): the
 * requester, the recipients and the data owner must be active listed members, and the program and
 * its columns must fit the catalogue. The terms (computation allowed, its recipients, the owner's
 * role on the channel) are private to the DAO's channel, so they are left to the nodes, each of which
 * checks its own ledger (403 NOT_ALLOWED, REFUSED_BY_NODES). The recipients must be named; the owner
 * defaults to the only listed member whose identity-directory role (`roleOf`) is DSP.
 */
export function authorizePublicRequest(version: DaoVersionView, caller: string, request: ComputationRequest, roleOf: (mspId: string) => string | undefined): AuthorizedComputation {
  const of = `${version.daoId} version ${version.version}`;
  const me = memberOf(version, caller);
  if (!me) throw forbidden(`${caller} is not a member of ${of}`, 'requester-member');
  if (me.status !== 'active') throw forbidden(`${caller} is ${me.status} in ${of}`, 'requester-active');
  if (!request.recipients) {
    throw invalid(`recipients: the terms of ${of} are private to the DAO's channel, so the recipients must be named (the members' nodes check them against their own ledger)`, 'recipients-allowed');
  }
  const recipients = [...new Set(request.recipients)];
  if (recipients.length !== request.recipients.length) throw invalid('recipients: a recipient is named twice', 'recipients-allowed');
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
  let owner = request.dataset.owner;
  if (!owner) {
    const dsps = version.members.filter((m) => roleOf(m.mspId) === 'DSP');
    if (dsps.length !== 1) throw invalid(`dataset.owner: the data owner of ${of} cannot be told from its public entry; name it`, 'dataset-owner');
    owner = dsps[0]!.mspId;
  }
  const o = memberOf(version, owner);
  if (!o || (roleOf(owner) ?? 'DSP') !== 'DSP') throw invalid(`dataset.owner: ${owner} is not a data owner (DSP) of this version`, 'dataset-owner');
  if (o.status !== 'active') throw forbidden(`data owner ${owner} is ${o.status}`, 'owner-active');
  return { program, recipients, owner };
}

/** A node registration's fields, as a member PUTs them. */
export const nodeRegistrationSchema = z.object({
  partyIndex: z.number().int().min(0).max(63).describe("The node's party index in its mesh (MPC_NODE_INDEX)"),
  controlUrl: z
    .url({ protocol: /^https$/ })
    .max(512)
    .describe("The node's control API; mutual TLS (docs/mpc.md), so https only"),
});

/**
 * What PUT …/nodes takes: a registration and, for a node its member runs in its own domain, the
 * node's certificate to pin; nothing else (the OpenAPI document says so too).
 */
export const nodeRegistrationRequestSchema = nodeRegistrationSchema
  .extend({
    certificatePem: z
      .string()
      .max(16_384)
      .optional()
      .describe(
        "A node its member runs in its own domain: its TLS certificate (one PEM X.509 certificate), issued by the caller's own CA as the identity directory holds it for the caller's MSP. The coordinator then calls the node trusting only that CA and only this certificate (the node's `pin`)",
      ),
  })
  .strict();

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

