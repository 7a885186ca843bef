import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AuthError } from '@datawell/auth';

export type MarketplaceErrorCode =
  | 'INVALID_REQUEST'
  | 'FORBIDDEN'
  | 'PARTICIPANT_NOT_FOUND'
  | 'IDENTITY_NOT_FOUND'
  | 'OFFER_NOT_FOUND'
  | 'DAO_NOT_FOUND'
  | 'PARTICIPANT_EXISTS'
  | 'IDENTITY_EXISTS'
  | 'FEEDBACK_EXISTS'
  | 'REVENUE_EXISTS'
  | 'WRONG_STATE';

const STATUS: Readonly<Record<MarketplaceErrorCode, number>> = {
  INVALID_REQUEST: 400,
  FORBIDDEN: 403,
  PARTICIPANT_NOT_FOUND: 404,
  IDENTITY_NOT_FOUND: 404,
  OFFER_NOT_FOUND: 404,
  DAO_NOT_FOUND: 404,
  PARTICIPANT_EXISTS: 409,
  IDENTITY_EXISTS: 409,
  FEEDBACK_EXISTS: 409,
  REVENUE_EXISTS: 409,
  WRONG_STATE: 409,
};

/** A request the marketplace refuses, with a stable code; mapped to HTTP 4xx (and gRPC) at the edge. */
export class MarketplaceError extends Error {
  override readonly name = 'MarketplaceError';

  constructor(
    readonly code: MarketplaceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export const invalidRequest = (message: string) => new MarketplaceError('INVALID_REQUEST', message);
export const forbidden = (message: string) => new MarketplaceError('FORBIDDEN', message);

/** Domain and auth errors become `{code, message}` with their 4xx status; Nest's own HttpExceptions keep theirs. */
@Catch(MarketplaceError, AuthError)
export class MarketplaceErrorFilter implements ExceptionFilter<MarketplaceError | AuthError> {
  catch(error: MarketplaceError | AuthError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>().status(error.status).json({ code: error.code, message: error.message });
  }
}
