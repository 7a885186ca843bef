/** Errors of telemetry's HTTP API, mapped to 4xx by the exception filter. */
export class TelemetryError extends Error {
  override readonly name = 'TelemetryError';
  constructor(
    readonly code: 'INVALID_REQUEST' | 'FORBIDDEN' | 'WORKLOAD_NOT_FOUND' | 'DAO_NOT_FOUND',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
