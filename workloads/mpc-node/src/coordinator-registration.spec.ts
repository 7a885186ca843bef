import { verify, X509Certificate } from 'node:crypto';
import { createMpcCa, issueMpcCertificate, type TlsIdentity } from '@datawell/mpc';
import { CoordinatorClient, registerAtCoordinator, RegistrationError, type CoordinatorRegistry, type NodeRegistration } from './coordinator-registration';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe("a member's node registering itself at the coordinator", () => {
  let identity: TlsIdentity;
  beforeAll(async () => {
    identity = await issueMpcCertificate(await createMpcCa('DspMSP CA'), 'mpc-node');
  });
  const registration = (): NodeRegistration => ({ daoId: 'd1', version: 2, partyIndex: 1, controlUrl: 'https://node.dsp:7100', certificatePem: new X509Certificate(identity.cert).toString() });

  it('logs in with its own key and certificate and PUTs {partyIndex, controlUrl, certificatePem} for the version', async () => {
    const calls: { url: string; method: string; authorization?: string; body: Record<string, unknown> }[] = [];
    const f = (async (input: string | URL | Request, init?: RequestInit) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      calls.push({ url: String(input), method: init?.method ?? 'GET', ...(headers['authorization'] ? { authorization: headers['authorization'] } : {}), body: JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown> });
      if (String(input).endsWith('/auth/challenge')) return json(200, { challenge: 'ch' });
      if (String(input).endsWith('/auth/token')) return json(200, { token: 'tk', expiresAt: '2999-01-01T00:00:00Z' });
      return calls.filter((c) => c.url.endsWith('/nodes')).length === 1 ? json(404, { code: 'VERSION_NOT_FOUND' }) : json(200, { mspId: 'DspMSP' });
    }) as typeof fetch;
    const client = new CoordinatorClient('https://coordinator:3105/', { keyPem: identity.key, certificatePem: identity.cert }, { fetch: f });
    await expect(client.registerNode(registration())).rejects.toMatchObject({ name: 'RegistrationError', status: 404, code: 'VERSION_NOT_FOUND' });
    await client.registerNode(registration());
    const put = calls.at(-1)!;
    expect(`${put.method} ${put.url} ${put.authorization}`).toBe('PUT https://coordinator:3105/daos/d1/versions/2/nodes Bearer tk');
    expect(put.body).toEqual({ partyIndex: 1, controlUrl: 'https://node.dsp:7100', certificatePem: new X509Certificate(identity.cert).toString() });
    const login = calls[1]!.body;
    expect(verify('sha256', Buffer.from('ch'), new X509Certificate(identity.cert).publicKey, Buffer.from(String(login['signature']), 'base64'))).toBe(true);
    expect(new X509Certificate(String(login['certificatePem'])).raw.equals(new X509Certificate(identity.cert).raw)).toBe(true);
  });

  /** A stubbed coordinator port (unit tests only) answering each attempt from `answers` (undefined: registered). */
  function coordinator(...answers: (RegistrationError | undefined)[]) {
    const seen: NodeRegistration[] = [];
    const port: CoordinatorRegistry = {
      async registerNode(r) {
        seen.push(r);
        const a = answers[Math.min(seen.length, answers.length) - 1];
        if (a) throw a;
      },
    };
    return { port, seen };
  }

  it('retries a 404 (the coordinator has not seen the version yet) and 5xx with backoff up to 30 s, logs each distinct failure once, and stops once registered', async () => {
    const notYet = new RegistrationError(404, 'VERSION_NOT_FOUND', 'no version');
    const { port, seen } = coordinator(notYet, notYet, notYet, new RegistrationError(503, 'HTTP_503', 'down'), new RegistrationError(undefined, 'UNREACHABLE', 'refused'), notYet, notYet, undefined);
    const waits: number[] = [];
    const logs: { message: string; extra?: Record<string, unknown> }[] = [];
    const done = await registerAtCoordinator(port, registration(), (message, extra) => void logs.push({ message, ...(extra ? { extra } : {}) }), { firstDelayMs: 5000, sleep: async (ms) => void waits.push(ms) });
    expect(done).toBe(true);
    expect(seen).toHaveLength(8);
    expect(seen.every((r) => r.partyIndex === 1 && r.controlUrl === 'https://node.dsp:7100' && r.certificatePem.includes('BEGIN CERTIFICATE'))).toBe(true);
    expect(waits).toEqual([5000, 10_000, 20_000, 30_000, 30_000, 30_000, 30_000]);
    expect(logs.map((l) => `${l.message} ${String(l.extra?.['code'] ?? '')}`)).toEqual([
      'registration at the coordinator failed VERSION_NOT_FOUND',
      'registration at the coordinator failed HTTP_503',
      'registration at the coordinator failed UNREACHABLE',
      'registration at the coordinator failed VERSION_NOT_FOUND',
      'registered at the coordinator ',
    ]);
    expect(JSON.stringify(logs)).not.toContain('BEGIN CERTIFICATE');
  });

  it('retries a refusal (400, 403) slowly, and stops when told to', async () => {
    const { port, seen } = coordinator(new RegistrationError(403, 'FORBIDDEN', 'not a member'));
    const stop = new AbortController();
    const waits: number[] = [];
    const done = registerAtCoordinator(port, registration(), () => undefined, {
      signal: stop.signal,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 3) stop.abort();
      },
    });
    await expect(done).resolves.toBe(false);
    expect(seen).toHaveLength(3);
    expect(waits).toEqual([120_000, 120_000, 120_000]);
  });
});
