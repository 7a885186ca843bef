import 'reflect-metadata';
import { createPublicKey, randomBytes, verify, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { workloadOf } from '@datawell/auth';
import { createMpcCa, type MpcCa } from '@datawell/mpc';
import { FabricCaNodeIdentityIssuer, lowSDer, NodeIdentityError, type CaHttp, type FabricCaEnrollmentSettings } from './node-identity.adapter';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const SECRET = 'enroller-secret-7f3a';

interface Call {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly authorization: string;
}

/**
 * A stand-in for Fabric CA's REST API: signs each request's key with a test CA for `validDays`, with
 * the registered identity's `ecert` attributes in Fabric CA's attribute extension (unless `noAttributes`).
 */
function fakeCa(ca: MpcCa, options: { validDays?: number; registered?: Set<string>; noAttributes?: boolean } = {}): { http: CaHttp; calls: Call[] } {
  const calls: Call[] = [];
  const registered = options.registered ?? new Set<string>();
  const attributes = new Map<string, Record<string, string>>();
  const keep = (parsed: Record<string, unknown>) => {
    const attrs = (parsed['attrs'] ?? []) as Array<{ name: string; value: string; ecert?: boolean }>;
    attributes.set(parsed['id'] as string, Object.fromEntries(attrs.filter((a) => a.ecert).map((a) => [a.name, a.value])));
  };
  const http: CaHttp = async (method, path, body, authorization) => {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    calls.push({ method, path, body: parsed, authorization });
    if (path === '/api/v1/register') {
      const id = parsed['id'] as string;
      if (registered.has(id)) return { status: 400, body: JSON.stringify({ success: false, errors: [{ code: 74, message: `Identity '${id}' is already registered` }] }) };
      registered.add(id);
      keep(parsed);
      return { status: 201, body: JSON.stringify({ success: true, result: { secret: parsed['secret'] } }) };
    }
    if (method === 'PUT') {
      keep(parsed);
      return { status: 200, body: JSON.stringify({ success: true, result: {} }) };
    }
    const [id, secret] = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
    const attrs = { ...(attributes.get(id!) ?? {}), 'hf.EnrollmentID': id!, 'hf.Type': 'client', 'hf.Affiliation': '' };
    if (id === 'mpc-node' && secret !== SECRET) return { status: 401, body: JSON.stringify({ success: false, errors: [{ code: 20, message: 'Authentication failure' }] }) };
    const csr = new x509.Pkcs10CertificateRequest(parsed['certificate_request'] as string);
    const issuer = new x509.X509Certificate(ca.cert);
    const signingKey = await webcrypto.subtle.importKey('pkcs8', Buffer.from(ca.key.replace(/-----[^-]+-----|\s/g, ''), 'base64'), ALG, false, ['sign']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: `01${randomBytes(8).toString('hex')}`,
      subject: csr.subject,
      issuer: issuer.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + (options.validDays ?? 365) * 86_400_000),
      signingKey,
      publicKey: await csr.publicKey.export(),
      signingAlgorithm: ALG,
      extensions: options.noAttributes ? [] : [new x509.Extension('1.2.3.4.5.6.7.8.1', false, Buffer.from(JSON.stringify({ attrs })))],
    });
    return { status: 201, body: JSON.stringify({ success: true, result: { Cert: Buffer.from(cert.toString('pem')).toString('base64'), ServerInfo: { CAChain: Buffer.from(ca.cert).toString('base64') } } }) };
  };
  return { http, calls };
}

describe('FabricCaNodeIdentityIssuer (a member MPC node identity from its own CA)', () => {
  let ca: MpcCa;
  let settings: FabricCaEnrollmentSettings;
  const root = mkdtempSync(join(tmpdir(), 'node-identity-'));

  beforeAll(async () => {
    ca = await createMpcCa('acme-ca');
    const secretFile = join(root, 'secret');
    writeFileSync(secretFile, `mpc-node:${SECRET}\n`, { mode: 0o600 });
    settings = { url: 'https://127.0.0.1:7054', caName: 'ca-acme', tlsCaFile: join(root, 'tls.pem'), secretFile };
  });

  it("enrols the enroller, registers the node's name and enrols its own request under it with the tls profile, then writes the files", async () => {
    const { http, calls } = fakeCa(ca);
    const dir = join(root, 'n1');
    const identity = await new FabricCaNodeIdentityIssuer(settings, http).issue(dir, 'd1.v1.acme-mpc');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/v1/enroll', 'POST /api/v1/register', 'POST /api/v1/enroll']);
    expect(calls[0]!.authorization).toBe(`Basic ${Buffer.from(`mpc-node:${SECRET}`).toString('base64')}`);
    // A workload's identity: the attribute the member's services tell a node from a person by, in its certificate.
    expect(calls[1]!.body).toMatchObject({ id: 'd1.v1.acme-mpc', type: 'client', caname: 'ca-acme', attrs: [{ name: 'datawell.workload', value: 'mpc-node', ecert: true }] });
    const nodeSecret = calls[1]!.body['secret'] as string;
    expect(nodeSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(calls[2]!.authorization).toBe(`Basic ${Buffer.from(`d1.v1.acme-mpc:${nodeSecret}`).toString('base64')}`);
    expect(calls[2]!.body).toMatchObject({ caname: 'ca-acme', profile: 'tls' });
    const csr = new x509.Pkcs10CertificateRequest(calls[2]!.body['certificate_request'] as string);
    expect(csr.subject).toBe('CN=d1.v1.acme-mpc');
    expect(await csr.verify()).toBe(true);

    expect(identity).toMatchObject({ certFile: join(dir, 'mpc-node.crt'), keyFile: join(dir, 'mpc-node.key'), caFile: join(dir, 'mpc-ca.crt'), caCertificatePem: ca.cert });
    const cert = new X509Certificate(identity.certificatePem);
    expect(cert.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(workloadOf(cert)).toBe('mpc-node');
    expect(statSync(identity.keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(identity.caFile, 'utf8')).toBe(ca.cert);
  });

  it("signs the registration with the enroller's certificate as Fabric CA verifies it (a low-S DER signature over method.uri.body.cert)", async () => {
    const { http, calls } = fakeCa(ca);
    await new FabricCaNodeIdentityIssuer(settings, http).issue(join(root, 'n-token'), 'd1.v1.token');
    const register = calls[1]!;
    const [b64cert, b64sig] = register.authorization.split('.');
    const certPem = Buffer.from(b64cert!, 'base64').toString('utf8');
    expect(new X509Certificate(certPem).subject).toBe('CN=mpc-node');
    const payload = `POST.${Buffer.from('/api/v1/register').toString('base64')}.${Buffer.from(JSON.stringify(register.body)).toString('base64')}.${b64cert}`;
    expect(verify('sha256', Buffer.from(payload), createPublicKey(certPem), Buffer.from(b64sig!, 'base64'))).toBe(true);
  });

  it('reuses an identity of this CA for this name with more than 30 days left, without asking the CA', async () => {
    const { http, calls } = fakeCa(ca);
    const dir = join(root, 'n2');
    const issuer = new FabricCaNodeIdentityIssuer(settings, http);
    const first = await issuer.issue(dir, 'd1.v1.reuse');
    const count = calls.length;
    const second = await issuer.issue(dir, 'd1.v1.reuse');
    expect(second).toEqual(first);
    expect(calls).toHaveLength(count);
  });

  it('issues anew when the identity has 30 days or less left, names another node, or comes from another CA', async () => {
    const short = fakeCa(ca, { validDays: 20 });
    const dir = join(root, 'n3');
    const first = await new FabricCaNodeIdentityIssuer(settings, short.http).issue(dir, 'd1.v1.renew');
    const { http, calls } = fakeCa(ca, { registered: new Set(['d1.v1.renew']) });
    const renewed = await new FabricCaNodeIdentityIssuer(settings, http).issue(dir, 'd1.v1.renew');
    expect(renewed.certificatePem).not.toBe(first.certificatePem);
    // Registered already: the name gets a fresh secret (PUT /identities/<name>) before its enrolment.
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/v1/enroll', 'POST /api/v1/register', 'PUT /api/v1/identities/d1.v1.renew', 'POST /api/v1/enroll']);
    expect(calls[2]!.body['secret']).toBe(calls[1]!.body['secret']);
    expect(calls[2]!.body['attrs']).toEqual([{ name: 'datawell.workload', value: 'mpc-node', ecert: true }]);

    const renamed = await new FabricCaNodeIdentityIssuer(settings, http).issue(dir, 'd1.v1.other');
    expect(new X509Certificate(renamed.certificatePem).subject).toBe('CN=d1.v1.other');
    const otherCa = await new FabricCaNodeIdentityIssuer({ ...settings, url: 'https://127.0.0.1:8054' }, http).issue(dir, 'd1.v1.other');
    expect(otherCa.certificatePem).not.toBe(renamed.certificatePem);
  });

  it("issues anew an identity issued before node identities were workloads' (no datawell.workload attribute)", async () => {
    const before = fakeCa(ca, { noAttributes: true });
    const dir = join(root, 'n-attr');
    const first = await new FabricCaNodeIdentityIssuer(settings, before.http).issue(dir, 'd1.v1.attr');
    expect(workloadOf(new X509Certificate(first.certificatePem))).toBeUndefined();
    const { http, calls } = fakeCa(ca, { registered: new Set(['d1.v1.attr']) });
    const again = await new FabricCaNodeIdentityIssuer(settings, http).issue(dir, 'd1.v1.attr');
    expect(calls.length).toBeGreaterThan(0);
    expect(workloadOf(new X509Certificate(again.certificatePem))).toBe('mpc-node');
  });

  it("issues anew when the folder's key does not match its certificate", async () => {
    const { http, calls } = fakeCa(ca);
    const dir = join(root, 'n4');
    const issuer = new FabricCaNodeIdentityIssuer(settings, http);
    const first = await issuer.issue(dir, 'd1.v1.key');
    writeFileSync(first.keyFile, readFileSync((await issuer.issue(join(root, 'n4b'), 'd1.v1.key-b')).keyFile));
    const count = calls.length;
    const again = await issuer.issue(dir, 'd1.v1.key');
    expect(calls.length).toBeGreaterThan(count);
    expect(again.certificatePem).not.toBe(first.certificatePem);
  });

  it("turns a refusal and an unreachable CA into NodeIdentityErrors that name the CA and the step, never a secret", async () => {
    const wrong = join(root, 'wrong');
    writeFileSync(wrong, 'mpc-node:guessed-secret-99\n');
    const refused = await new FabricCaNodeIdentityIssuer({ ...settings, secretFile: wrong }, fakeCa(ca).http).issue(join(root, 'n5'), 'd1.v1.refused').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NodeIdentityError);
    expect(refused).toMatchObject({ code: 'CA_REFUSED', status: 401 });
    expect((refused as Error).message).toBe('the CA ca-acme at https://127.0.0.1:7054 refused enrolling mpc-node (HTTP 401): Authentication failure');

    const down: CaHttp = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7054'), { code: 'ECONNREFUSED' }));
    const unreachable = await new FabricCaNodeIdentityIssuer(settings, down).issue(join(root, 'n6'), 'd1.v1.down').catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ code: 'CA_UNREACHABLE', message: 'the CA ca-acme at https://127.0.0.1:7054 cannot be reached (enrolling mpc-node): ECONNREFUSED' });
    expect((unreachable as Error).message).not.toContain(SECRET);

    const badFile = join(root, 'bad');
    writeFileSync(badFile, 'no-colon-here');
    await expect(new FabricCaNodeIdentityIssuer({ ...settings, secretFile: badFile }, down).issue(join(root, 'n7'), 'd1.v1.bad')).rejects.toMatchObject({ code: 'BAD_SECRET_FILE' });
    await expect(new FabricCaNodeIdentityIssuer({ ...settings, secretFile: join(root, 'absent') }, down).issue(join(root, 'n7'), 'd1.v1.bad')).rejects.toThrow(/cannot read the MPC enrolment secret file .*absent: ENOENT/);
  });

  it("refuses names that are the CA's own identities or not enrollment ids, before any call", async () => {
    const { http, calls } = fakeCa(ca);
    const issuer = new FabricCaNodeIdentityIssuer(settings, http);
    for (const name of ['admin', 'ledger-bridge', 'mpc-node', 'peer0.acme', 'admin.acme', 'orderer1.x', '', 'a b', 'x'.repeat(65)]) {
      await expect(issuer.issue(join(root, 'n8'), name)).rejects.toMatchObject({ code: 'BAD_NODE_NAME' });
    }
    expect(calls).toEqual([]);
  });

  it('keeps ECDSA signatures low-S, as Fabric CA accepts them', () => {
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const r = Buffer.alloc(32, 0x11);
    const highS = Buffer.from((n - 5n).toString(16).padStart(64, '0'), 'hex');
    const der = lowSDer(Buffer.concat([r, highS]));
    // SEQUENCE { INTEGER r (with a leading 0 only when its top bit is set), INTEGER 5 }.
    expect(der.toString('hex')).toBe(`3025022011${'11'.repeat(31)}020105`);
    const lowS = Buffer.from((n / 2n).toString(16).padStart(64, '0'), 'hex');
    expect(lowSDer(Buffer.concat([Buffer.alloc(32, 0x90), lowS])).subarray(2, 5).toString('hex')).toBe('022100');
  });
});
