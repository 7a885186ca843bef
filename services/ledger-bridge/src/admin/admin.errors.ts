/** Errors of network administration, mapped to HTTP by the admin controller. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly code: 'INVALID_REQUEST' | 'NOT_A_PARTICIPANT' | 'ROLE_MISMATCH' | 'LEDGER_REJECTED' | 'INVALID_CSR' | 'ENROLLMENT_REJECTED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
