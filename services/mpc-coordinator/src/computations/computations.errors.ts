import { DatawellError, type ErrorKind } from '@datawell/domain';

/** Typed errors of the coordinator (CONVENTIONS.md §7); the platform maps them to HTTP and gRPC. */
export type CoordinatorErrorCode =
  | 'INVALID_REQUEST'
  | 'VERSION_NOT_FOUND'
  | 'COMPUTATION_NOT_FOUND'
  | 'FORBIDDEN'
  | 'RESULT_NOT_READY'
  | 'NODES_INCOMPLETE';

const KINDS: Readonly<Record<CoordinatorErrorCode, ErrorKind>> = {
  INVALID_REQUEST: 'invalid',
  VERSION_NOT_FOUND: 'notFound',
  COMPUTATION_NOT_FOUND: 'notFound',
  FORBIDDEN: 'forbidden',
  RESULT_NOT_READY: 'conflict',
  NODES_INCOMPLETE: 'conflict',
};

export class CoordinatorError extends DatawellError {
  override readonly name = 'CoordinatorError';
  constructor(
    readonly code: CoordinatorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }
}

export const forbidden = (message: string) => new CoordinatorError('FORBIDDEN', message);
export const invalid = (message: string) => new CoordinatorError('INVALID_REQUEST', message);
