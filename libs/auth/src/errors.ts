/** Why a caller was not let in (401) or not let do something (403). Mapped to HTTP by the guard's filter. */
export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'INVALID_REQUEST',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): 400 | 401 | 403 {
    return this.code === 'UNAUTHENTICATED' ? 401 : this.code === 'FORBIDDEN' ? 403 : 400;
  }
}

export const unauthenticated = (message: string, cause?: unknown) => new AuthError('UNAUTHENTICATED', message, { cause });
export const forbidden = (message: string) => new AuthError('FORBIDDEN', message);
