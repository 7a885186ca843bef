/**
 * gRPC status codes by name (the numbers of grpc's status enum; this library has no gRPC dependency).
 */
export const GRPC_STATUS = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * What kind of failure an error is, and the one HTTP status and one gRPC status each kind is answered
 * with. Every error class of Datawell names its kind per code, explicitly; the edges (the platform's
 * HTTP filter and gRPC server) read this table and nothing else.
 */
export const ERROR_KINDS = {
  /** The request is malformed or breaks a rule of its own (a field, a schema). */
  invalid: { http: 400, grpc: GRPC_STATUS.INVALID_ARGUMENT },
  /** No valid credentials. */
  unauthenticated: { http: 401, grpc: GRPC_STATUS.UNAUTHENTICATED },
  /** The caller is known but may not do or see this. */
  forbidden: { http: 403, grpc: GRPC_STATUS.PERMISSION_DENIED },
  notFound: { http: 404, grpc: GRPC_STATUS.NOT_FOUND },
  /** What the request would create exists already. */
  exists: { http: 409, grpc: GRPC_STATUS.ALREADY_EXISTS },
  /** The target is not in a state that allows the request (yet, or any more). */
  conflict: { http: 409, grpc: GRPC_STATUS.FAILED_PRECONDITION },
  /** Well-formed, but refused by a party it depends on (the ledger, the CA). */
  unprocessable: { http: 422, grpc: GRPC_STATUS.FAILED_PRECONDITION },
  /** The caller has asked too often for now (a rate limit); retrying after the time the error names may succeed. */
  tooMany: { http: 429, grpc: GRPC_STATUS.RESOURCE_EXHAUSTED },
  /** A dependency is away; retrying later may succeed. */
  unavailable: { http: 503, grpc: GRPC_STATUS.UNAVAILABLE },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

/**
 * The base of every error a caller may be answered with: a stable `code`, its `kind` (hence its HTTP
 * and gRPC status), a message for people, and the details a caller may see. Anything else thrown is
 * an internal error (500 / INTERNAL) whose details stay in the log.
 */
export abstract class DatawellError extends Error {
  abstract readonly code: string;
  /** Read from the class's own table of codes (a getter, so it is there before any field is set). */
  abstract get kind(): ErrorKind;

  get status(): number {
    return ERROR_KINDS[this.kind].http;
  }

  get grpcStatus(): number {
    return ERROR_KINDS[this.kind].grpc;
  }

  /** Sent to the caller as `details` beside `{code, message}`; none by default. */
  exposedDetails(): Record<string, unknown> | undefined {
    return undefined;
  }

  /** Whole seconds after which a retry may succeed: HTTP's `Retry-After` header, gRPC's `retry-after` trailing metadata; none by default. */
  retryAfterSeconds(): number | undefined {
    return undefined;
  }
}
