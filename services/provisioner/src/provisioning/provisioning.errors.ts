import { DatawellError, type ErrorKind } from '@datawell/domain';

type ProvisionerErrorCode = 'INVALID_ARGUMENT' | 'JOB_NOT_FOUND' | 'VERSION_NOT_FOUND';

const KINDS: Readonly<Record<ProvisionerErrorCode, ErrorKind>> = {
  INVALID_ARGUMENT: 'invalid',
  JOB_NOT_FOUND: 'notFound',
  VERSION_NOT_FOUND: 'notFound',
};

/** Errors of the provisioner's read APIs, mapped to HTTP and gRPC by the platform from their kind. */
export class ProvisionerError extends DatawellError {
  override readonly name = 'ProvisionerError';

  constructor(
    readonly code: ProvisionerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }
}
