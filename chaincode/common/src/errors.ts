import { EconomicsError } from '@datawell/domain';

/**
 * Stable error codes of every chaincode transaction. A chaincode error reaches the client only as
 * its message, so the message starts with the code (`FORBIDDEN: …`) and clients map on the prefix.
 */
export type ChaincodeErrorCode = 'INVALID_ARGUMENT' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';

export class ChaincodeError extends Error {
  override readonly name = 'ChaincodeError';
  readonly code: ChaincodeErrorCode;
  /** The message without the code prefix. */
  readonly detail: string;

  constructor(code: ChaincodeErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options);
    this.code = code;
    this.detail = detail;
  }
}

export const invalidArgument = (detail: string, cause?: unknown) => new ChaincodeError('INVALID_ARGUMENT', detail, { cause });
export const forbidden = (detail: string) => new ChaincodeError('FORBIDDEN', detail);
export const notFound = (detail: string) => new ChaincodeError('NOT_FOUND', detail);
export const conflict = (detail: string) => new ChaincodeError('CONFLICT', detail);

/** Runs economics arithmetic, turning its typed input errors into INVALID_ARGUMENT. */
export function economics<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof EconomicsError) throw invalidArgument(`${e.field}: ${e.message} (${e.code})`, e);
    throw e;
  }
}
