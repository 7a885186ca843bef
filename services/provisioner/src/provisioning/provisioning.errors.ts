/** Errors of the provisioner's read APIs (HTTP and gRPC), mapped at the edge by their code. */
export class ProvisionerError extends Error {
  override readonly name = 'ProvisionerError';

  constructor(
    readonly code: 'INVALID_ARGUMENT' | 'FORBIDDEN' | 'JOB_NOT_FOUND' | 'VERSION_NOT_FOUND',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): 400 | 403 | 404 {
    return this.code === 'INVALID_ARGUMENT' ? 400 : this.code === 'FORBIDDEN' ? 403 : 404;
  }
}
