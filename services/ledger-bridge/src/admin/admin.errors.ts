import { DatawellError, type ErrorKind } from '@datawell/domain';

type AdminErrorCode = 'INVALID_REQUEST' | 'NOT_A_PARTICIPANT' | 'ROLE_MISMATCH' | 'LEDGER_REJECTED' | 'INVALID_CSR' | 'ENROLLMENT_REJECTED';

const KINDS: Readonly<Record<AdminErrorCode, ErrorKind>> = {
  INVALID_REQUEST: 'invalid',
  NOT_A_PARTICIPANT: 'unprocessable',
  ROLE_MISMATCH: 'conflict',
  LEDGER_REJECTED: 'unprocessable',
  INVALID_CSR: 'invalid',
  ENROLLMENT_REJECTED: 'unprocessable',
};

/** Errors of network administration, mapped to HTTP by the platform from their kind. */
export class AdminError extends DatawellError {
  override readonly name = 'AdminError';
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }
}

/** The chaincode's error text carries a stable code first (INVALID_ARGUMENT:, NOT_FOUND:, …). */
export function chaincodeCode(error: unknown): string | undefined {
  const details = (error as { details?: { message?: string }[] }).details ?? [];
  const text = [error instanceof Error ? error.message : String(error), ...details.map((d) => d.message ?? '')].join(' ');
  return /\b(INVALID_ARGUMENT|FORBIDDEN|NOT_FOUND|CONFLICT):/.exec(text)?.[1];
}

export function chaincodeMessage(error: unknown): string {
  const details = (error as { details?: { message?: string }[] }).details ?? [];
  const detail = details.map((d) => d.message ?? '').find((m) => /\b(INVALID_ARGUMENT|FORBIDDEN|NOT_FOUND|CONFLICT):/.test(m));
  return detail ?? (error instanceof Error ? error.message : String(error));
}
