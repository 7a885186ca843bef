import { BadRequestException, Logger, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { DatawellError, type ErrorKind } from '@datawell/domain';
import { PlatformErrorFilter, refuseNulText } from './errors.filter';

class Refused extends DatawellError {
  override readonly name = 'Refused';
  constructor(
    readonly code: string,
    private readonly k: ErrorKind,
    private readonly details?: Record<string, unknown>,
  ) {
    super(`refused: ${code}`);
  }
  get kind(): ErrorKind {
    return this.k;
  }
  override exposedDetails(): Record<string, unknown> | undefined {
    return this.details;
  }
}

function answer(error: unknown): { status: number; body: unknown } {
  const sent: { status: number; body: unknown } = { status: 0, body: undefined };
  const response = { status: (code: number) => ({ json: (body: unknown) => Object.assign(sent, { status: code, body }) }) };
  const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new PlatformErrorFilter().catch(error, host);
  return sent;
}

describe('PlatformErrorFilter', () => {
  it.each<[ErrorKind, number]>([
    ['invalid', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['notFound', 404],
    ['exists', 409],
    ['conflict', 409],
    ['unprocessable', 422],
    ['tooMany', 429],
    ['unavailable', 503],
  ])('answers a %s error with %i and its code', (kind, status) => {
    expect(answer(new Refused('SOME_CODE', kind))).toEqual({ status, body: { code: 'SOME_CODE', message: 'refused: SOME_CODE' } });
  });

  it('adds the details the error exposes', () => {
    const issues = [{ path: 'betas[0]', problem: 'too large' }];
    expect(answer(new Refused('INVALID_PROPOSAL', 'invalid', { issues })).body).toEqual({ code: 'INVALID_PROPOSAL', message: 'refused: INVALID_PROPOSAL', details: { issues } });
  });

  it('says when to come back after a rate limit: Retry-After in whole seconds', () => {
    const headers: Record<string, string> = {};
    const response = { setHeader: (name: string, value: string) => void (headers[name] = value), status: () => ({ json: () => undefined }) };
    const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
    const limited = Object.assign(new Refused('TOO_MANY_REFUSALS', 'tooMany'), { retryAfterSeconds: () => 42 });
    new PlatformErrorFilter().catch(limited, host);
    expect(headers).toEqual({ 'Retry-After': '42' });
    new PlatformErrorFilter().catch(new Refused('SOME_CODE', 'invalid'), host);
    expect(headers).toEqual({ 'Retry-After': '42' });
  });

  it("keeps Nest's own exceptions' statuses", () => {
    expect(answer(new NotFoundException('Cannot GET /nope'))).toEqual({ status: 404, body: { code: 'NOT_FOUND', message: 'Cannot GET /nope' } });
    expect(answer(new BadRequestException({ code: 'MALFORMED_ID', message: 'bad id' }))).toEqual({ status: 400, body: { code: 'MALFORMED_ID', message: 'bad id' } });
  });

  it('answers anything else with a 500 without details', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      // A code that merely looks like a domain error's is no domain error.
      expect(answer(Object.assign(new Error('secret detail'), { code: 'DAO_NOT_FOUND' }))).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'internal error' } });
      expect(logged).toHaveBeenCalledWith(expect.objectContaining({ message: 'unexpected error', error: 'Error: secret detail' }));
    } finally {
      logged.mockRestore();
    }
  });
});

describe('refuseNulText', () => {
  const answer = (request: { body?: unknown; originalUrl?: string }) => {
    const sent: { status?: number; body?: unknown; next: boolean } = { next: false };
    refuseNulText(request, { status: (status) => ({ json: (body) => Object.assign(sent, { status, body }) }) }, () => (sent.next = true));
    return sent;
  };

  it('refuses NUL in a body string, a body key, the path or the query with 400 INVALID_REQUEST', () => {
    for (const request of [{ body: { name: 'a\u0000b' } }, { body: { nested: [{ ['k\u0000']: 1 }] } }, { originalUrl: '/offers/a%00b' }, { originalUrl: '/offers?q=%00' }]) {
      expect(answer(request)).toEqual({ next: false, status: 400, body: { code: 'INVALID_REQUEST', message: 'text must not contain NUL (U+0000)' } });
    }
  });

  it('passes on text without NUL', () => {
    expect(answer({ body: { name: 'a\nb', n: 0, list: ['x', null] }, originalUrl: '/offers?q=a%20b' })).toEqual({ next: true });
  });
});
