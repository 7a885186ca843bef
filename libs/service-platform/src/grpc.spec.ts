import { status } from '@grpc/grpc-js';
import { ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { DatawellError, type ErrorKind } from '@datawell/domain';
import { errorMetadata, grpcStatusOf } from './grpc';

class Refused extends DatawellError {
  override readonly name = 'Refused';
  constructor(
    readonly code: string,
    private readonly k: ErrorKind,
  ) {
    super(code);
  }
  get kind(): ErrorKind {
    return this.k;
  }
}

describe('grpcStatusOf', () => {
  it.each<[ErrorKind, status]>([
    ['invalid', status.INVALID_ARGUMENT],
    ['unauthenticated', status.UNAUTHENTICATED],
    ['forbidden', status.PERMISSION_DENIED],
    ['notFound', status.NOT_FOUND],
    ['exists', status.ALREADY_EXISTS],
    ['conflict', status.FAILED_PRECONDITION],
    ['unprocessable', status.FAILED_PRECONDITION],
    ['tooMany', status.RESOURCE_EXHAUSTED],
    ['unavailable', status.UNAVAILABLE],
  ])('maps a %s error to its gRPC status', (kind, expected) => {
    expect(grpcStatusOf(new Refused('ANY_CODE', kind))).toBe(expected);
  });

  it('reads the kind, not the name of the code', () => {
    expect(grpcStatusOf(new Refused('INVALID_BUT_CONFLICT', 'conflict'))).toBe(status.FAILED_PRECONDITION);
    expect(grpcStatusOf(Object.assign(new Error('x'), { code: 'DAO_NOT_FOUND' }))).toBe(status.INTERNAL);
    expect(grpcStatusOf({ code: 'INVALID_REQUEST' })).toBe(status.INTERNAL);
  });

  it("maps Nest's HttpExceptions by their HTTP status", () => {
    expect(grpcStatusOf(new NotFoundException())).toBe(status.NOT_FOUND);
    expect(grpcStatusOf(new ForbiddenException())).toBe(status.PERMISSION_DENIED);
    expect(grpcStatusOf(new ConflictException())).toBe(status.FAILED_PRECONDITION);
  });

  it('treats anything else as INTERNAL', () => {
    expect(grpcStatusOf(new Error('boom'))).toBe(status.INTERNAL);
    expect(grpcStatusOf(undefined)).toBe(status.INTERNAL);
  });
});

describe('errorMetadata', () => {
  it("carries a domain error's stable code, and a rate limit's retry-after", () => {
    expect(errorMetadata(new Refused('VERSION_NOT_FOUND', 'notFound')).getMap()).toEqual({ 'datawell-code': 'VERSION_NOT_FOUND' });
    const limited = Object.assign(new Refused('TOO_MANY_REFUSALS', 'tooMany'), { retryAfterSeconds: () => 7 });
    expect(errorMetadata(limited).getMap()).toEqual({ 'datawell-code': 'TOO_MANY_REFUSALS', 'retry-after': '7' });
  });

  it('says nothing of anything else', () => {
    expect(errorMetadata(new Error('boom')).getMap()).toEqual({});
    expect(errorMetadata(new NotFoundException()).getMap()).toEqual({});
  });
});
