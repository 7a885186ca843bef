import type { UsageCheck } from '@datawell/contracts';
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
  /** For a refused computation request: the check that refused it (the usage trail records it). */
  readonly check: UsageCheck | undefined;
  constructor(
    readonly code: CoordinatorErrorCode,
    message: string,
    options?: { cause?: unknown; check?: UsageCheck },
  ) {
    super(message, options);
    this.check = options?.check;
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }
}

export const forbidden = (message: string, check?: UsageCheck) => new CoordinatorError('FORBIDDEN', message, check ? { check } : {});
export const invalid = (message: string, check?: UsageCheck) => new CoordinatorError('INVALID_REQUEST', message, check ? { check } : {});
