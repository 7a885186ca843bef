import { DatawellError, ERROR_KINDS, GRPC_STATUS, type ErrorKind } from './error';

class Refused extends DatawellError {
  override readonly name = 'Refused';
  constructor(
    readonly code: string,
    private readonly k: ErrorKind,
  ) {
    super(`refused: ${code}`);
  }
  get kind(): ErrorKind {
    return this.k;
  }
}

describe('error kinds', () => {
  it('give each kind one HTTP status and one gRPC status', () => {
    expect(Object.fromEntries(Object.entries(ERROR_KINDS).map(([k, v]) => [k, [v.http, v.grpc]]))).toEqual({
      invalid: [400, GRPC_STATUS.INVALID_ARGUMENT],
      unauthenticated: [401, GRPC_STATUS.UNAUTHENTICATED],
      forbidden: [403, GRPC_STATUS.PERMISSION_DENIED],
      notFound: [404, GRPC_STATUS.NOT_FOUND],
      exists: [409, GRPC_STATUS.ALREADY_EXISTS],
      conflict: [409, GRPC_STATUS.FAILED_PRECONDITION],
      unprocessable: [422, GRPC_STATUS.FAILED_PRECONDITION],
      tooMany: [429, GRPC_STATUS.RESOURCE_EXHAUSTED],
      unavailable: [503, GRPC_STATUS.UNAVAILABLE],
    });
  });

  it('are what an error answers with, whatever its code is called', () => {
    const error = new Refused('SOMETHING_NOT_FOUND', 'conflict');
    expect(error).toBeInstanceOf(Error);
    expect([error.status, error.grpcStatus]).toEqual([409, GRPC_STATUS.FAILED_PRECONDITION]);
    expect(error.exposedDetails()).toBeUndefined();
    expect(error.retryAfterSeconds()).toBeUndefined();
  });
});
