import { DatawellError, type ErrorKind } from '@datawell/domain';

/** Stable codes of the negotiation service's errors, each with its kind (hence its HTTP and gRPC status). */
export type NegotiationErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_PROPOSAL'
  | 'OWNERSHIP_INCONSISTENT'
  | 'INVALID_CERTIFICATE'
  | 'INVALID_SIGNATURE'
  | 'UNKNOWN_PARTY'
  | 'FORBIDDEN'
  | 'CERTIFICATE_MISMATCH'
  | 'SESSION_NOT_FOUND'
  | 'DAO_NOT_FOUND'
  | 'NO_PROPOSAL'
  | 'DAO_EXISTS'
  | 'DAO_NOT_ACTIVE'
  | 'ALREADY_MEMBER'
  | 'NOT_A_MEMBER'
  | 'STALE_REVISION'
  | 'SESSION_CLOSED'
  | 'SESSION_TERMINATED'
  | 'PERIODS_UNKNOWN';

const KINDS: Readonly<Record<NegotiationErrorCode, ErrorKind>> = {
  INVALID_REQUEST: 'invalid',
  INVALID_PROPOSAL: 'invalid',
  OWNERSHIP_INCONSISTENT: 'invalid',
  INVALID_CERTIFICATE: 'invalid',
  INVALID_SIGNATURE: 'invalid',
  UNKNOWN_PARTY: 'invalid',
  FORBIDDEN: 'forbidden',
  CERTIFICATE_MISMATCH: 'forbidden',
  SESSION_NOT_FOUND: 'notFound',
  DAO_NOT_FOUND: 'notFound',
  NO_PROPOSAL: 'conflict',
  DAO_EXISTS: 'exists',
  DAO_NOT_ACTIVE: 'conflict',
  ALREADY_MEMBER: 'exists',
  // An admission's join is opened by an active member of the DAO only.
  NOT_A_MEMBER: 'forbidden',
  STALE_REVISION: 'conflict',
  SESSION_CLOSED: 'conflict',
  SESSION_TERMINATED: 'conflict',
  // A join of a subscription DAO before its top version's VersionCreated told when its periods began.
  PERIODS_UNKNOWN: 'conflict',
};

/** Something the caller asked that cannot be done; never an infrastructure failure. */
export class NegotiationError extends DatawellError {
  override readonly name = 'NegotiationError';

  constructor(
    readonly code: NegotiationErrorCode,
    message: string,
    readonly details?: { readonly sessionId?: string; readonly issues?: ReadonlyArray<{ path: string; problem: string }> },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }

  /** The issues of a rejected proposal; the session id stays server-side (the caller named it). */
  override exposedDetails(): Record<string, unknown> | undefined {
    return this.details?.issues ? { issues: this.details.issues } : undefined;
  }
}

export const negotiationError = (code: NegotiationErrorCode, message: string, details?: NegotiationError['details']) =>
  new NegotiationError(code, message, details);
