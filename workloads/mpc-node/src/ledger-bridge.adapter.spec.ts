import { verify, X509Certificate } from 'node:crypto';
import { createMpcCa, issueMpcCertificate, type TlsIdentity } from '@datawell/mpc';
import { LedgerBridgeClient } from './ledger-bridge.adapter';
import { LedgerUnavailableError } from './ledger-check';

interface Call {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly body?: Record<string, unknown>;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A stubbed HTTP client (unit tests only) answering from `routes` and recording the calls. */
function stubFetch(routes: (call: Call, n: number) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const call: Call = {
      method: init?.method ?? 'GET',
      url: String(input),
      ...(headers['authorization'] ? { authorization: headers['authorization'] } : {}),
      ...(init?.body ? { body: JSON.parse(String(init.body)) as Record<string, unknown> } : {}),
    };
    calls.push(call);
    return routes(call, calls.length);
  }) as typeof fetch;
  return { f, calls };
}

const version = { daoId: 'd1', version: 2, terms: { computations: [] }, memberStates: [] };

describe("the node's client of its member's ledger bridge", () => {
  let identity: TlsIdentity;
  beforeAll(async () => {
    identity = await issueMpcCertificate(await createMpcCa('DspMSP CA'), 'mpc-node');
  });
  let tokens = 0;
  const bridge = (now = () => Date.parse('2026-01-01T00:00:00Z'), stateStatus: (n: number) => number = () => 200) =>
    stubFetch((call) => {
      if (call.url.endsWith('/auth/challenge')) return json(200, { challenge: `challenge-${tokens + 1}:ü`, expiresAt: '2026-01-01T00:05:00Z' });
      if (call.url.endsWith('/auth/token')) {
        tokens++;
        return json(200, { token: `t${tokens}`, expiresAt: new Date(now() + 3600_000).toISOString(), principal: { mspId: 'DspMSP' } });
      }
      const status = stateStatus(tokens);
      return status === 200 ? json(200, version) : json(status, { code: status === 401 ? 'UNAUTHENTICATED' : 'X', message: 'm' });
    });
  beforeEach(() => (tokens = 0));

  it('logs in with its own key and certificate (the exact challenge signed, ECDSA-SHA256, DER, base64) and reads the version state with the token', async () => {
    const { f, calls } = bridge();
    const client = new LedgerBridgeClient('http://bridge.dsp:3100/', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f });
    await expect(client.versionState('d1', 2)).resolves.toEqual(version);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST http://bridge.dsp:3100/auth/challenge', 'POST http://bridge.dsp:3100/auth/token', 'GET http://bridge.dsp:3100/daos/d1/versions/2/state']);
    const login = calls[1]!.body!;
    expect(Object.keys(login).sort()).toEqual(['certificatePem', 'challenge', 'signature']);
    expect(login['challenge']).toBe('challenge-1:ü');
    expect(new X509Certificate(String(login['certificatePem'])).raw.equals(new X509Certificate(identity.cert).raw)).toBe(true);
    const signature = Buffer.from(String(login['signature']), 'base64');
    expect(String(login['signature'])).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(signature[0]).toBe(0x30); // DER SEQUENCE, not IEEE P1363
    const key = new X509Certificate(identity.cert).publicKey;
    expect(verify('sha256', Buffer.from('challenge-1:ü', 'utf8'), key, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('challenge-1:u', 'utf8'), key, signature)).toBe(false);
    expect(calls[2]!.authorization).toBe('Bearer t1');
  });

  it('keeps its token until shortly before it expires', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { f, calls } = bridge(() => now);
    const client = new LedgerBridgeClient('http://b', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f, now: () => now });
    await client.versionState('d1', 2);
    now += 3600_000 - 60_000;
    await client.versionState('d1', 2);
    expect(calls.filter((c) => c.url.endsWith('/auth/token'))).toHaveLength(1);
    now += 40_000; // within the last 30 s of its hour
    await client.versionState('d1', 2);
    expect(calls.filter((c) => c.url.endsWith('/auth/token'))).toHaveLength(2);
    expect(calls.at(-1)!.authorization).toBe('Bearer t2');
  });

  it('logs in again once on 401, and gives up after a second 401', async () => {
    const once = bridge(undefined, (t) => (t === 1 ? 401 : 200));
    await expect(new LedgerBridgeClient('http://b', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: once.f }).versionState('d1', 2)).resolves.toEqual(version);
    expect(once.calls.filter((c) => c.url.endsWith('/state')).map((c) => c.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
    tokens = 0;
    const always = bridge(undefined, () => 401);
    await expect(new LedgerBridgeClient('http://b', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: always.f }).versionState('d1', 2)).rejects.toThrow(LedgerUnavailableError);
    expect(always.calls.filter((c) => c.url.endsWith('/auth/token'))).toHaveLength(2);
  });

  it("answers undefined where the member's peer has no such version (VERSION_NOT_FOUND)", async () => {
    const { f } = stubFetch((call) => (call.url.endsWith('/state') ? json(404, { code: 'VERSION_NOT_FOUND', message: 'no version' }) : call.url.endsWith('/token') ? json(200, { token: 't', expiresAt: new Date(Date.now() + 3600_000).toISOString() }) : json(200, { challenge: 'c' })));
    await expect(new LedgerBridgeClient('http://b', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f }).versionState('d1', 2)).resolves.toBeUndefined();
  });

  it.each([
    ['an unreachable bridge', () => Promise.reject(new TypeError('fetch failed')), /the ledger bridge did not answer POST \/auth\/challenge: fetch failed/],
    ['a 5xx', () => json(503, { code: 'LEDGER_UNAVAILABLE' }), /the ledger bridge refused the login \(POST \/auth\/challenge: 503 LEDGER_UNAVAILABLE\)/],
    ['a refused login', (c: Call) => (c.url.endsWith('/token') ? json(401, { code: 'UNAUTHENTICATED' }) : json(200, { challenge: 'c' })), /the ledger bridge refused the login \(POST \/auth\/token: 401 UNAUTHENTICATED\)/],
    ['a 404 of another kind (no member routes)', (c: Call) => (c.url.endsWith('/state') ? json(404, { code: 'NOT_FOUND' }) : c.url.endsWith('/token') ? json(200, { token: 't', expiresAt: '2999-01-01T00:00:00Z' }) : json(200, { challenge: 'c' })), /GET \/daos\/d1\/versions\/2\/state with 404 NOT_FOUND/],
    ['a 5xx on the state', (c: Call) => (c.url.endsWith('/state') ? json(500, {}) : c.url.endsWith('/token') ? json(200, { token: 't', expiresAt: '2999-01-01T00:00:00Z' }) : json(200, { challenge: 'c' })), /GET \/daos\/d1\/versions\/2\/state with 500/],
    ['no token', (c: Call) => (c.url.endsWith('/token') ? json(200, {}) : json(200, { challenge: 'c' })), /gave no token/],
  ])('throws LedgerUnavailableError for %s', async (_what, answer, message) => {
    const { f } = stubFetch(answer as (c: Call) => Response | Promise<Response>);
    const read = new LedgerBridgeClient('http://b', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f }).versionState('d1', 2);
    await expect(read).rejects.toThrow(LedgerUnavailableError);
    await expect(read).rejects.toThrow(message);
  });

  it("reads each channel organisation's root certificates from the version's channel (Fabric's config through the member's peer)", async () => {
    const route = (channel: (c: Call) => Response) => stubFetch((c) => (c.url.endsWith('/auth/challenge') ? json(200, { challenge: 'c' }) : c.url.endsWith('/auth/token') ? json(200, { token: 't', expiresAt: '2999-01-01T00:00:00Z' }) : channel(c)));
    const client = (f: typeof fetch) => new LedgerBridgeClient('http://b', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f });
    const ok = route(() => json(200, { daoId: 'd1', version: 2, channel: 'dao-d1-v2', organisations: ['DspMSP', 'VspMSP'], rootCertificates: { DspMSP: ['dsp-ca'], VspMSP: ['vsp-ca'] }, source: 'fabric-channel-config' }));
    await expect(client(ok.f).organisationRoots('d1', 2)).resolves.toEqual({ DspMSP: ['dsp-ca'], VspMSP: ['vsp-ca'] });
    expect(ok.calls.at(-1)).toMatchObject({ method: 'GET', url: 'http://b/daos/d1/versions/2/channel', authorization: 'Bearer t' });
    await expect(client(route(() => json(404, { code: 'VERSION_NOT_FOUND', message: 'm' })).f).organisationRoots('d1', 2)).resolves.toBeUndefined();
    // A bridge of before the roots, a config it cannot read: the ledger is unavailable to this check.
    await expect(client(route(() => json(200, { organisations: ['DspMSP'] })).f).organisationRoots('d1', 2)).rejects.toThrow(/without the organisations' root certificates/);
    await expect(client(route(() => json(503, { code: 'LEDGER_UNAVAILABLE' })).f).organisationRoots('d1', 2)).rejects.toThrow(LedgerUnavailableError);
  });

  describe('delivering a result', () => {
    const usage = { requester: { mspId: 'VspMSP', enrollmentId: 'vsp-analyst' }, dataset: { owner: 'DspMSP', name: 'readings' }, parametersDigest: 'ef'.repeat(32), rows: 3, recipients: ['VspMSP'] };
    const delivery = { daoId: 'd1', version: 2, jobId: 'comp-1', computation: 'mean', members: ['DspMSP', 'VspMSP'], result: { mean: 1.5 }, resultDigest: 'ab'.repeat(32), ...usage };
    const withResult = (status: (n: number) => number) => {
      let n = 0;
      return stubFetch((call) => {
        if (call.url.endsWith('/auth/challenge')) return json(200, { challenge: 'c' });
        if (call.url.endsWith('/auth/token')) return json(200, { token: `t${++tokens}`, expiresAt: '2999-01-01T00:00:00Z' });
        const s = status(++n);
        return json(s, s < 300 ? { jobId: 'comp-1' } : { code: s === 401 ? 'UNAUTHENTICATED' : s === 409 ? 'RESULT_CONFLICT' : 'LEDGER_UNAVAILABLE', message: 'm' });
      });
    };

    it('POSTs {computation, members, result, resultDigest} to the version\'s computation with the token, logging in again once on 401', async () => {
      const { f, calls } = withResult((n) => (n === 1 ? 401 : 200));
      await new LedgerBridgeClient('http://b/', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f }).deliverResult(delivery);
      const posts = calls.filter((c) => c.url.includes('/computations/'));
      expect(posts.map((c) => `${c.method} ${c.url} ${c.authorization}`)).toEqual(['POST http://b/daos/d1/versions/2/computations/comp-1/result Bearer t1', 'POST http://b/daos/d1/versions/2/computations/comp-1/result Bearer t2']);
      expect(posts[1]!.body).toEqual({ computation: 'mean', members: ['DspMSP', 'VspMSP'], result: { mean: 1.5 }, resultDigest: 'ab'.repeat(32), ...usage });
    });

    it('throws a ResultDeliveryError: retryable for a 5xx or no answer, final with the bridge\'s code for a 4xx', async () => {
      const client = (f: typeof fetch) => new LedgerBridgeClient('http://b', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f });
      await expect(client(withResult(() => 503).f).deliverResult(delivery)).rejects.toMatchObject({ name: 'ResultDeliveryError', retryable: true, code: 'LEDGER_UNAVAILABLE' });
      await expect(client(withResult(() => 409).f).deliverResult(delivery)).rejects.toMatchObject({ retryable: false, code: 'RESULT_CONFLICT' });
      await expect(client(stubFetch(() => Promise.reject(new TypeError('fetch failed'))).f).deliverResult(delivery)).rejects.toMatchObject({ retryable: true, code: 'UNREACHABLE' });
      const loginRefused = stubFetch((c) => (c.url.endsWith('/token') ? json(403, { code: 'FORBIDDEN' }) : json(200, { challenge: 'c' })));
      await expect(client(loginRefused.f).deliverResult(delivery)).rejects.toMatchObject({ retryable: false, code: 'FORBIDDEN' });
    });
  });

  describe('recording a usage entry', () => {
    const entry = { usageId: 'op-1', dataset: { owner: 'DspMSP', name: 'readings' }, requester: { mspId: 'VspMSP' }, computation: 'mean', parametersDigest: 'ef'.repeat(32), recipients: ['DspMSP'], outcome: 'refused' as const, check: 'recipients-allowed' as const };
    const answering = (status: number, code?: string) =>
      stubFetch((call) => {
        if (call.url.endsWith('/auth/challenge')) return json(200, { challenge: 'c' });
        if (call.url.endsWith('/auth/token')) return json(200, { token: 't', expiresAt: '2999-01-01T00:00:00Z' });
        return json(status, code ? { code, message: 'm' } : { ...entry, txId: 'tx1' });
      });
    const client = (f: typeof fetch) => new LedgerBridgeClient('http://b', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f });

    it("POSTs the entry to the version's usage with the token; 200 (a repeat) and 201 both resolve", async () => {
      for (const status of [201, 200]) {
        const { f, calls } = answering(status);
        await client(f).recordUsage('d1', 2, entry);
        const post = calls.find((c) => c.url.endsWith('/usage'))!;
        expect(`${post.method} ${post.url} ${post.authorization}`).toBe('POST http://b/daos/d1/versions/2/usage Bearer t');
        expect(post.body).toEqual(entry);
      }
    });

    it("throws a UsageRecordError: retryable for a 5xx or no answer, final with the bridge's code for a 4xx", async () => {
      await expect(client(answering(503, 'LEDGER_UNAVAILABLE').f).recordUsage('d1', 2, entry)).rejects.toMatchObject({ name: 'UsageRecordError', retryable: true, code: 'LEDGER_UNAVAILABLE' });
      await expect(client(answering(422, 'LEDGER_REJECTED').f).recordUsage('d1', 2, entry)).rejects.toMatchObject({ name: 'UsageRecordError', retryable: false, code: 'LEDGER_REJECTED' });
      await expect(client(stubFetch(() => Promise.reject(new TypeError('fetch failed'))).f).recordUsage('d1', 2, entry)).rejects.toMatchObject({ retryable: true, code: 'UNREACHABLE' });
    });
  });
});
