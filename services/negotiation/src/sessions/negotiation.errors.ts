/** Stable codes of the negotiation service's errors; the HTTP filter maps each to its status. */
export type NegotiationErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_PROPOSAL'
  | 'OWNERSHIP_INCONSISTENT'
  | 'INVALID_CERTIFICATE'
  | 'INVALID_SIGNATURE'
  | 'UNKNOWN_PARTY'
  | 'FORBIDDEN'
  | 'NOT_A_PARTY'
  | 'CERTIFICATE_MISMATCH'
  | 'SESSION_NOT_FOUND'
  | 'DAO_NOT_FOUND'
  | 'NO_PROPOSAL'
  | 'DAO_EXISTS'
  | 'DAO_NOT_ACTIVE'
  | 'ALREADY_MEMBER'
  | 'STALE_REVISION'
  | 'SESSION_CLOSED';

const STATUS: Record<NegotiationErrorCode, 400 | 403 | 404 | 409> = {
  INVALID_REQUEST: 400,
  INVALID_PROPOSAL: 400,
  OWNERSHIP_INCONSISTENT: 400,
  INVALID_CERTIFICATE: 400,
  INVALID_SIGNATURE: 400,
  UNKNOWN_PARTY: 400,
  FORBIDDEN: 403,
  NOT_A_PARTY: 403,
  CERTIFICATE_MISMATCH: 403,
  SESSION_NOT_FOUND: 404,
  DAO_NOT_FOUND: 404,
  NO_PROPOSAL: 409,
  DAO_EXISTS: 409,
  DAO_NOT_ACTIVE: 409,
  ALREADY_MEMBER: 409,
  STALE_REVISION: 409,
  SESSION_CLOSED: 409,
};

/** Something the caller asked that cannot be done; never an infrastructure failure. */
export class NegotiationError extends Error {
  override readonly name = 'NegotiationError';

  constructor(
    readonly code: NegotiationErrorCode,
    message: string,
    readonly details?: { readonly sessionId?: string; readonly issues?: ReadonlyArray<{ path: string; problem: string }> },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): 400 | 403 | 404 | 409 {
    return STATUS[this.code];
  }
}

export const negotiationError = (code: NegotiationErrorCode, message: string, details?: NegotiationError['details']) =>
  new NegotiationError(code, message, details);
