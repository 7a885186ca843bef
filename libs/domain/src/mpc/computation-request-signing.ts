import { canonicalJson } from '../canonical-json';

/** The fields of a computation request its requester signs (issue 12: the nodes verify who asked). */
export interface SignedComputationFields {
  /** The request's id (the coordinator's idempotency key): each MPC node takes part at most once per id. */
  readonly requestId: string;
  readonly daoId: string;
  readonly version: number;
  readonly computation: string;
  /** The dataset's name as its owner's MPC node serves it. */
  readonly dataset: string;
  /** The result's recipients (MSP ids); signed sorted, so their order does not matter. */
  readonly recipients: readonly string[];
  /** The requester's MSP id: the organisation whose CA issued the signing certificate. */
  readonly requester: string;
  /** When the requester signed (ms since the epoch): the nodes refuse a request older than their window. */
  readonly issuedAtMs: number;
}

/**
 * What the requester of a computation signs: the canonical JSON of its fields, recipients sorted.
 * The MPC nodes rebuild it from the op's own `ledger` part, so a coordinator that changes the
 * computation, the recipients, the version or the requester breaks the signature.
 *
 * Pure and browser-safe (the console imports it), so every client computes the same text as the
 * coordinator and the nodes, which verify an ECDSA-SHA256 signature (DER, base64) over its UTF-8
 * bytes with the requester's enrolled certificate (docs/mpc.md, "The requester's signature").
 */
export function computationRequestSigningText(f: SignedComputationFields): string {
  return canonicalJson({
    kind: 'datawell.computation-request.v1',
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
