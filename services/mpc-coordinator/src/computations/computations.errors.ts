/** Typed errors of the coordinator (CONVENTIONS.md §7); the controller's filter maps them to HTTP. */
export type CoordinatorErrorCode =
  | 'INVALID_REQUEST'
  | 'VERSION_NOT_FOUND'
  | 'COMPUTATION_NOT_FOUND'
  | 'FORBIDDEN'
  | 'RESULT_NOT_READY'
  | 'NODES_INCOMPLETE';

const STATUS: Record<CoordinatorErrorCode, number> = {
  INVALID_REQUEST: 400,
  VERSION_NOT_FOUND: 404,
  COMPUTATION_NOT_FOUND: 404,
  FORBIDDEN: 403,
  RESULT_NOT_READY: 409,
  NODES_INCOMPLETE: 409,
};

export class CoordinatorError extends Error {
  override readonly name = 'CoordinatorError';
  constructor(
    readonly code: CoordinatorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): number {
    return STATUS[this.code];
  }

  /** The HTTP status, also read by the platform's gRPC server (409 → FAILED_PRECONDITION). */
  getStatus(): number {
    return this.status;
  }
}

export const forbidden = (message: string) => new CoordinatorError('FORBIDDEN', message);
export const invalid = (message: string) => new CoordinatorError('INVALID_REQUEST', message);
