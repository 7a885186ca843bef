/** A stack operation failed; `component` names what failed, `code` is stable for callers. */
export class StackError extends Error {
  override readonly name = 'StackError';
  constructor(
    readonly code: 'INSTALL_FAILED' | 'START_FAILED' | 'UNHEALTHY' | 'COMMAND_FAILED' | 'NOT_INSTALLED' | 'BAD_SETTING' | 'UNKNOWN_COMPONENT' | 'UNKNOWN_ORG' | 'UNKNOWN_DOMAIN' | 'DOMAIN_PARKED' | 'BAD_MSP_PACKAGE',
    message: string,
    readonly component?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
