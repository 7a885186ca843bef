import { DatawellError, type ErrorKind } from '@datawell/domain';

export type MarketplaceErrorCode =
  | 'INVALID_REQUEST'
  | 'FORBIDDEN'
  | 'PARTICIPANT_NOT_FOUND'
  | 'IDENTITY_NOT_FOUND'
  | 'OFFER_NOT_FOUND'
  | 'DAO_NOT_FOUND'
  | 'COMMAND_NOT_FOUND'
  | 'PARTICIPANT_EXISTS'
  | 'IDENTITY_EXISTS'
  | 'FEEDBACK_EXISTS'
  | 'REVENUE_EXISTS'
  | 'WRONG_STATE'
  | 'PARTICIPANT_SUSPENDED'
  | 'ABANDONMENT_EXISTS'
  | 'NOT_REVENUE_RECORDER'
  | 'DESCRIPTION_DIGEST_MISMATCH'
  | 'NOT_AWAITING_ADMISSION'
  | 'DOMAIN_REQUIRED';

const KINDS: Readonly<Record<MarketplaceErrorCode, ErrorKind>> = {
  INVALID_REQUEST: 'invalid',
  FORBIDDEN: 'forbidden',
  PARTICIPANT_NOT_FOUND: 'notFound',
  IDENTITY_NOT_FOUND: 'notFound',
  OFFER_NOT_FOUND: 'notFound',
  DAO_NOT_FOUND: 'notFound',
  COMMAND_NOT_FOUND: 'notFound',
  PARTICIPANT_EXISTS: 'exists',
  IDENTITY_EXISTS: 'exists',
  FEEDBACK_EXISTS: 'exists',
  REVENUE_EXISTS: 'exists',
  WRONG_STATE: 'conflict',
  PARTICIPANT_SUSPENDED: 'forbidden',
  ABANDONMENT_EXISTS: 'exists',
  // Not named by the terms (revenueRecorders, else the founding group D) to record revenue: the dao chaincode's rule.
  NOT_REVENUE_RECORDER: 'forbidden',
  // The text does not hash to the digest the ledger holds for the offer (now: a later revision may have changed it).
  DESCRIPTION_DIGEST_MISMATCH: 'conflict',
  // Admitting or rejecting a registration that is not waiting for an operator administrator (already decided, automatic, active…).
  NOT_AWAITING_ADMISSION: 'conflict',
  // A registration that would have the operator make the organisation's CA (a CSR without its own domain): the operator holds no organisation.
  DOMAIN_REQUIRED: 'unprocessable',
};

/** A request the marketplace refuses, with a stable code; mapped to HTTP 4xx and gRPC by the platform. */
export class MarketplaceError extends DatawellError {
  override readonly name = 'MarketplaceError';

  constructor(
    readonly code: MarketplaceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }
}

export const invalidRequest = (message: string) => new MarketplaceError('INVALID_REQUEST', message);
export const forbidden = (message: string) => new MarketplaceError('FORBIDDEN', message);
