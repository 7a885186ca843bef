/**
 * Every abort names the check that failed through a stable `code` (CONVENTIONS.md §7). An abort means
 * some party deviated (or the network corrupted data): the computation's outputs must not be used.
 */
export type MpcErrorCode =
  | 'MAC_CHECK_FAILED'
  | 'COMMITMENT_MISMATCH'
  | 'BROADCAST_MISMATCH'
  | 'SACRIFICE_FAILED'
  | 'TRIPLE_CHECK_FAILED'
  | 'OT_CHECK_FAILED'
  | 'PROTOCOL_VIOLATION'
  | 'PREPROCESSING_EXHAUSTED'
  | 'DEALER_NOT_ALLOWED'
  | 'FIXED_POINT_OVERFLOW'
  | 'PRECISION_UNKNOWN'
  | 'INVALID_ARGUMENT';

export class MpcError extends Error {
  override readonly name: string = 'MpcError';
  constructor(
    readonly code: MpcErrorCode,
    message: string,
    readonly party?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The opened values are inconsistent with the MAC shares under α: a share, MAC or opened value was altered. */
export class MacCheckFailedError extends MpcError {
  override readonly name = 'MacCheckFailedError';
  constructor(message: string, party?: number) {
    super('MAC_CHECK_FAILED', message, party);
  }
}

/** A party opened a value that does not match what it committed to. */
export class CommitmentMismatchError extends MpcError {
  override readonly name = 'CommitmentMismatchError';
  constructor(message: string, party?: number) {
    super('COMMITMENT_MISMATCH', message, party);
  }
}

/** Parties saw different broadcast or opened values (a party equivocated). */
export class BroadcastMismatchError extends MpcError {
  override readonly name = 'BroadcastMismatchError';
  constructor(message: string, party?: number) {
    super('BROADCAST_MISMATCH', message, party);
  }
}

/** Sacrificing one triple against another showed that a triple is not multiplicative (c ≠ a·b). */
export class SacrificeFailedError extends MpcError {
  override readonly name = 'SacrificeFailedError';
  constructor(message: string, party?: number) {
    super('SACRIFICE_FAILED', message, party);
  }
}

/** A triple or input mask failed its consistency check (wrong length, bad authentication in the offline phase). */
export class TripleCheckFailedError extends MpcError {
  override readonly name = 'TripleCheckFailedError';
  constructor(message: string, party?: number) {
    super('TRIPLE_CHECK_FAILED', message, party);
  }
}

/** The oblivious-transfer extension's consistency check failed (a receiver used inconsistent choice bits). */
export class OtCheckFailedError extends MpcError {
  override readonly name = 'OtCheckFailedError';
  constructor(message: string, party?: number) {
    super('OT_CHECK_FAILED', message, party);
  }
}

/** A peer sent a malformed message (wrong length, wrong tag, invalid point). */
export class ProtocolViolationError extends MpcError {
  override readonly name = 'ProtocolViolationError';
  constructor(message: string, party?: number) {
    super('PROTOCOL_VIOLATION', message, party);
  }
}

export class PreprocessingExhaustedError extends MpcError {
  override readonly name = 'PreprocessingExhaustedError';
  constructor(message: string, party?: number) {
    super('PREPROCESSING_EXHAUSTED', message, party);
  }
}

/** The trusted dealer exists for unit tests only; production configuration refuses it. */
export class DealerNotAllowedError extends MpcError {
  override readonly name = 'DealerNotAllowedError';
  constructor(message: string) {
    super('DEALER_NOT_ALLOWED', message);
  }
}

export class FixedPointOverflowError extends MpcError {
  override readonly name = 'FixedPointOverflowError';
  constructor(message: string) {
    super('FIXED_POINT_OVERFLOW', message);
  }
}

export class InvalidArgumentError extends MpcError {
  override readonly name = 'InvalidArgumentError';
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A computation asked for a precision the catalogue does not offer (PRECISIONS). */
export class PrecisionUnknownError extends MpcError {
  override readonly name = 'PrecisionUnknownError';
  constructor(message: string) {
    super('PRECISION_UNKNOWN', message);
  }
}
