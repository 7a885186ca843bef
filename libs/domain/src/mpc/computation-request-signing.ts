import { canonicalJson } from '../canonical-json';

/** The kind of the signing text the requester signs and every checker rebuilds (issue 12). */
export const COMPUTATION_REQUEST_KIND = 'datawell.computation-request.v2';

/** The kind before the parameters and the data owner were signed: a signature over it is refused (docs/mpc.md). */
export const OUTDATED_COMPUTATION_REQUEST_KIND = 'datawell.computation-request.v1';

/** What a computation runs with: the dataset's columns, in order, the fixed-point fractional bits and the precision. */
export interface ComputationParameters {
  readonly columns: readonly string[];
  readonly fractionalBits: number;
  /** The catalogue's precision ('fxp32', the default, or 'fxp16'; docs/mpc.md): absent means the default. */
  readonly precision?: string;
}

/** The precision a request without one runs at (the catalogue's DEFAULT_PRECISION of @datawell/mpc). */
export const DEFAULT_COMPUTATION_PRECISION = 'fxp32';

/**
 * The canonical JSON of a request's parameters, `{columns (in order), fractionalBits}` with sorted
 * keys, and `precision` when it is not the default: what `parametersDigest` of @datawell/contracts
 * hashes (SHA-256, hex), for the usage trail and for the signed request alike. A request at the
 * default precision has the text (and the signatures) it had before precision was a choice; one at
 * another precision signs it, so a coordinator that changes it breaks the signature. Pure, so the
 * console hashes the same text with WebCrypto.
 */
export function computationParametersText(parameters: ComputationParameters): string {
  const { precision } = parameters;
  return canonicalJson({
    columns: [...parameters.columns],
    fractionalBits: parameters.fractionalBits,
    ...(precision !== undefined && precision !== DEFAULT_COMPUTATION_PRECISION ? { precision } : {}),
  });
}

/** The fields of a computation request its requester signs (issue 12: the nodes verify who asked, and for what). */
export interface SignedComputationFields {
  /** The request's id (the coordinator's idempotency key): each MPC node takes part at most once per id. */
  readonly requestId: string;
  readonly daoId: string;
  readonly version: number;
  readonly computation: string;
  /** The dataset's name as its owner's MPC node serves it. */
  readonly dataset: string;
  /** The dataset's owner (MSP id): the member whose node inputs it, and whose usage trail records the request. */
  readonly owner: string;
  /** SHA-256 (hex) of computationParametersText of the columns and fractional bits (`parametersDigest` of @datawell/contracts). */
  readonly parametersDigest: string;
  /** The result's recipients (MSP ids); signed sorted, so their order does not matter. */
  readonly recipients: readonly string[];
  /** The requester's MSP id: the organisation whose CA issued the signing certificate. */
  readonly requester: string;
  /** When the requester signed (ms since the epoch): the nodes refuse a request older than their window. */
  readonly issuedAtMs: number;
}

/**
 * What the requester of a computation signs: the canonical JSON of its fields, recipients sorted,
 * kind "datawell.computation-request.v2". The MPC nodes rebuild it from the op's own `ledger` part,
 * dataset and parameters, so a coordinator that changes the computation, the recipients, the version,
 * the requester, the dataset, its owner, its columns or the fractional bits breaks the signature.
 *
 * Pure and browser-safe (the console imports it), so every client computes the same text as the
 * coordinator and the nodes, which verify an ECDSA-SHA256 signature (DER, base64) over its UTF-8
 * bytes with the requester's enrolled certificate (docs/mpc.md, "The requester's signature").
 */
export function computationRequestSigningText(f: SignedComputationFields): string {
  return canonicalJson({
    kind: COMPUTATION_REQUEST_KIND,
    requestId: f.requestId,
    daoId: f.daoId,
    version: f.version,
    computation: f.computation,
    dataset: f.dataset,
    owner: f.owner,
    parametersDigest: f.parametersDigest,
    recipients: [...f.recipients].sort(),
    requester: f.requester,
    issuedAtMs: f.issuedAtMs,
  });
}

/**
 * The v1 text, which bound neither the parameters nor the data owner. Nothing signs it any more: the
 * checkers rebuild it only to tell a requester still signing it that it is no longer taken
 * (REQUEST_SIGNATURE_OUTDATED) rather than that its signature is wrong.
 */
export function outdatedComputationRequestSigningText(f: Omit<SignedComputationFields, 'owner' | 'parametersDigest'>): string {
  return canonicalJson({
    kind: OUTDATED_COMPUTATION_REQUEST_KIND,
    requestId: f.requestId,
    daoId: f.daoId,
    version: f.version,
    computation: f.computation,
    dataset: f.dataset,
    recipients: [...f.recipients].sort(),
    requester: f.requester,
    issuedAtMs: f.issuedAtMs,
  });
}
