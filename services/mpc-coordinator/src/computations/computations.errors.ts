import type { UsageCheck } from '@datawell/contracts';
import { DatawellError, type ErrorKind } from '@datawell/domain';

/** Typed errors of the coordinator (CONVENTIONS.md §7); the platform maps them to HTTP and gRPC. */
export type CoordinatorErrorCode =
  | 'INVALID_REQUEST'
  | 'VERSION_NOT_FOUND'
  | 'COMPUTATION_NOT_FOUND'
  | 'FORBIDDEN'
  | 'RESULT_NOT_READY'
  | 'RESULT_IN_RECIPIENT_DOMAIN'
  | 'NODES_INCOMPLETE'
  | 'VERSION_SUPERSEDED'
  | 'TOO_MANY_REFUSALS'
  | 'REFUSED_BY_NODES'
  | 'RESULT_NOT_DELIVERED'
  | 'REQUEST_SIGNATURE_REQUIRED'
  | 'REQUEST_SIGNATURE_INVALID'
  | 'REQUEST_SIGNATURE_OUTDATED'
  | 'REQUEST_CERTIFICATE_INVALID'
  | 'REQUEST_STALE'
  | 'REQUEST_CERTIFICATE_MISMATCH';

const KINDS: Readonly<Record<CoordinatorErrorCode, ErrorKind>> = {
  INVALID_REQUEST: 'invalid',
  VERSION_NOT_FOUND: 'notFound',
  COMPUTATION_NOT_FOUND: 'notFound',
  FORBIDDEN: 'forbidden',
  RESULT_NOT_READY: 'conflict',
  // Completed, but the result went to the recipient's node in its own domain: the coordinator never had it.
  RESULT_IN_RECIPIENT_DOMAIN: 'conflict',
  NODES_INCOMPLETE: 'conflict',
  // One node per member per DAO: the version's members' nodes serve a later version's mesh now.
  VERSION_SUPERSEDED: 'conflict',
  // Beyond the requester's limit on refused requests (429 / RESOURCE_EXHAUSTED, with Retry-After).
  TOO_MANY_REFUSALS: 'tooMany',
  // MPC nodes whose own ledger view does not allow the computation refused to take part (NOT_ALLOWED).
  REFUSED_BY_NODES: 'forbidden',
  // A recipient's node returned the result to the coordinator instead of delivering it to its member: discarded.
  RESULT_NOT_DELIVERED: 'conflict',
  // The requester's signature of its request (issue 12): there is none,
  REQUEST_SIGNATURE_REQUIRED: 'invalid',
  // … it does not verify over the request's signing text,
  REQUEST_SIGNATURE_INVALID: 'invalid',
  // … it verifies over the outdated v1 text only (which bound neither the parameters nor the data owner),
  REQUEST_SIGNATURE_OUTDATED: 'invalid',
  // … its certificate is not readable or not valid now,
  REQUEST_CERTIFICATE_INVALID: 'invalid',
  // … it is older than the window (or signed for the future),
  REQUEST_STALE: 'invalid',
  // … or its certificate was not issued by the caller's organisation's CA.
  REQUEST_CERTIFICATE_MISMATCH: 'forbidden',
};

export class CoordinatorError extends DatawellError {
  override readonly name = 'CoordinatorError';
  /** For a refused computation request: the check that refused it (logged). */
  readonly check: UsageCheck | undefined;
  readonly #retryAfter: number | undefined;
  constructor(
    readonly code: CoordinatorErrorCode,
    message: string,
    options?: { cause?: unknown; check?: UsageCheck; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.check = options?.check;
    this.#retryAfter = options?.retryAfterSeconds;
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }

  override retryAfterSeconds(): number | undefined {
    return this.#retryAfter;
  }
}

/** A refused request beyond the requester's limit: not recorded, to be retried after the window. */
export const tooManyRefusals = (requester: string, retryAfterSeconds: number) =>
  new CoordinatorError('TOO_MANY_REFUSALS', `${requester} has sent too many refused computation requests: this one is not recorded in the usage trail; retry after ${retryAfterSeconds} s`, { retryAfterSeconds });

export const forbidden = (message: string, check?: UsageCheck) => new CoordinatorError('FORBIDDEN', message, check ? { check } : {});
export const invalid = (message: string, check?: UsageCheck) => new CoordinatorError('INVALID_REQUEST', message, check ? { check } : {});
