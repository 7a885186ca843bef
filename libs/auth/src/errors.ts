import { DatawellError, type ErrorKind } from '@datawell/domain';

type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'INVALID_REQUEST';

const KINDS: Readonly<Record<AuthErrorCode, ErrorKind>> = {
  UNAUTHENTICATED: 'unauthenticated',
  FORBIDDEN: 'forbidden',
  INVALID_REQUEST: 'invalid',
};

/** Why a caller was not let in (401) or not let do something (403); answered by the platform's filter. */
export class AuthError extends DatawellError {
  override readonly name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }
}

export const unauthenticated = (message: string, cause?: unknown) => new AuthError('UNAUTHENTICATED', message, { cause });
export const forbidden = (message: string) => new AuthError('FORBIDDEN', message);
