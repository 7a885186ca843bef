import { DatawellError, type ErrorKind } from '@datawell/domain';

type TelemetryErrorCode = 'INVALID_REQUEST' | 'WORKLOAD_NOT_FOUND' | 'DAO_NOT_FOUND';

const KINDS: Readonly<Record<TelemetryErrorCode, ErrorKind>> = {
  INVALID_REQUEST: 'invalid',
  WORKLOAD_NOT_FOUND: 'notFound',
  DAO_NOT_FOUND: 'notFound',
};

/** Errors of telemetry's APIs, mapped to HTTP 4xx and gRPC by the platform from their kind. */
export class TelemetryError extends DatawellError {
  override readonly name = 'TelemetryError';
  constructor(
    readonly code: TelemetryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }
}
