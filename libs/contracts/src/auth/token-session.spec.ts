import { generateKeyPairSync, verify } from 'node:crypto';
import { tokenSession, TokenSessionError } from './token-session';

interface Call {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly body?: Record<string, unknown>;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A stubbed HTTP client (unit tests only): answers from `route`, records the calls. */
function stub(route: (call: Call, tokens: number) => Response) {
  const calls: Call[] = [];
  let tokens = 0;
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const call: Call = { method: init?.method ?? 'GET', url: String(input), ...(headers['authorization'] ? { authorization: headers['authorization'] } : {}), ...(init?.body ? { body: JSON.parse(String(init.body)) as Record<string, unknown> } : {}) };
    calls.push(call);
    if (call.url.endsWith('/auth/challenge')) return json(200, { challenge: `c${tokens + 1}:ü` });
    if (call.url.endsWith('/auth/token')) return json(200, { token: `t${++tokens}`, expiresAt: new Date(Date.parse('2026-01-01T00:00:00Z') + 3600_000).toISOString() });
    return route(call, tokens);
  }) as typeof fetch;
  return { f, calls };
}

describe('a token session at a Datawell service', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const identity = { key: privateKey, certificatePem: '-----BEGIN CERTIFICATE-----\nME\n-----END CERTIFICATE-----\n' };
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const now = () => clock;
  beforeEach(() => (clock = Date.parse('2026-01-01T00:00:00Z')));

  it('logs in with the exact challenge signed by the key, then sends the bearer token; the token is reused until shortly before it expires', async () => {
    const { f, calls } = stub(() => json(200, { ok: true }));
    const session = tokenSession({ baseUrl: 'http://svc:1/', identity, fetch: f, now });
    await expect(session.request('PUT', '/x', { a: 1 })).resolves.toMatchObject({ status: 200, body: { ok: true } });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST http://svc:1/auth/challenge', 'POST http://svc:1/auth/token', 'PUT http://svc:1/x']);
    const login = calls[1]!.body!;
    expect(login).toEqual({ challenge: 'c1:ü', signature: expect.any(String), certificatePem: identity.certificatePem });
    expect(verify('sha256', Buffer.from('c1:ü', 'utf8'), publicKey, Buffer.from(String(login['signature']), 'base64'))).toBe(true);
    expect(calls[2]).toMatchObject({ authorization: 'Bearer t1', body: { a: 1 } });
    clock += 3000_000;
    await session.request('GET', '/y');
    expect(calls).toHaveLength(4);
    // Within 30 s of its expiry: a new login.
    clock += 580_000;
    await session.request('GET', '/y');
    expect(calls.slice(4).map((c) => c.url.replace('http://svc:1', ''))).toEqual(['/auth/challenge', '/auth/token', '/y']);
  });

  it('logs in again once on a 401, and answers the second 401 as it came', async () => {
    const { f, calls } = stub((_, tokens) => (tokens < 2 ? json(401, { code: 'UNAUTHENTICATED' }) : json(201, { done: 1 })));
    const session = tokenSession({ baseUrl: 'http://svc:1', identity: async () => identity, fetch: f, now });
    await expect(session.request('POST', '/r', {})).resolves.toMatchObject({ status: 201 });
    expect(calls.filter((c) => c.url.endsWith('/auth/token'))).toHaveLength(2);
    const always = stub(() => json(401, { code: 'UNAUTHENTICATED' }));
    const refused = tokenSession({ baseUrl: 'http://svc:1', identity, fetch: always.f, now });
    await expect(refused.request('GET', '/r')).resolves.toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(always.calls.filter((c) => c.url.endsWith('/r'))).toHaveLength(2);
  });

  it('answers any other status with its body (not JSON: undefined, with the text)', async () => {
    const { f } = stub(() => new Response('upstream down', { status: 503 }));
    await expect(tokenSession({ baseUrl: 'http://svc:1', identity, fetch: f, now }).request('GET', '/r')).resolves.toEqual({ status: 503, body: undefined, text: 'upstream down' });
  });

  it('throws a TokenSessionError: unreachable (no answer), login (refused, with status and code), malformed (no token)', async () => {
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(tokenSession({ baseUrl: 'http://svc:1', identity, fetch: down }).request('GET', '/r')).rejects.toMatchObject({ name: 'TokenSessionError', reason: 'unreachable', status: undefined });
    const refusing = (async () => json(403, { code: 'NOT_ENROLLED' })) as typeof fetch;
    const error = await tokenSession({ baseUrl: 'http://svc:1', identity, fetch: refusing }).request('GET', '/r').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenSessionError);
    expect(error).toMatchObject({ reason: 'login', status: 403, code: 'NOT_ENROLLED' });
    const tokenless = (async (input: string | URL | Request) => (String(input).endsWith('/auth/challenge') ? json(200, { challenge: 'c' }) : json(200, {}))) as typeof fetch;
    await expect(tokenSession({ baseUrl: 'http://svc:1', identity, fetch: tokenless }).request('GET', '/r')).rejects.toMatchObject({ reason: 'malformed' });
  });
});
