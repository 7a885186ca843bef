import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { parseMpcMeshFile, renderMpcMeshFile, type MpcMeshFile } from './mpc-mesh-file';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function selfSigned(cn: string): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(ALG, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: `CN=${cn}`, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3600_000), keys, signingAlgorithm: ALG });
  return cert.toString('pem');
}

describe('the MPC mesh file', () => {
  let mesh: MpcMeshFile;
  beforeAll(async () => {
    const [a, b, ca1, ca2] = await Promise.all([selfSigned('peer'), selfSigned('peer'), selfSigned('ca-1'), selfSigned('ca-2')]);
    mesh = {
      index: 1,
      parties: [
        { name: 'ProducerMSP/node', endpoint: '10.0.0.1:7001', certificatePem: a, caCertificatePem: ca1 },
        { name: 'DspMSP/node', endpoint: 'node-b.example:65535', certificatePem: b, caCertificatePem: ca2 },
      ],
    };
  });
  const withParty = (i: number, change: Record<string, unknown>) => JSON.stringify({ ...mesh, parties: mesh.parties.map((p, j) => (j === i ? { ...p, ...change } : p)) });

  it('renders canonical JSON with a final newline and reads it back', () => {
    const text = renderMpcMeshFile(mesh);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{"index":1,"parties":[{"caCertificatePem":')).toBe(true);
    expect(parseMpcMeshFile(text)).toEqual(mesh);
    // The same mesh, however its objects were built, is the same bytes.
    const shuffled = { parties: mesh.parties.map((p) => ({ certificatePem: p.certificatePem, caCertificatePem: p.caCertificatePem, endpoint: p.endpoint, name: p.name })), index: 1 };
    expect(renderMpcMeshFile(shuffled)).toBe(text);
  });

  it("names each party's member when the writer knows it (owner), and renders it back", () => {
    const owned: MpcMeshFile = { ...mesh, parties: mesh.parties.map((p, i) => ({ ...p, owner: i === 0 ? 'ProducerMSP' : 'DspMSP' })) };
    const text = renderMpcMeshFile(owned);
    expect(text).toContain('"owner":"ProducerMSP"');
    expect(parseMpcMeshFile(text)).toEqual(owned);
    // Without owners the file is as before: no owner key.
    expect(renderMpcMeshFile(mesh)).not.toContain('owner');
    expect(parseMpcMeshFile(renderMpcMeshFile(mesh)).parties[0]).not.toHaveProperty('owner');
  });

  it('says which DAO version the mesh serves (serves), when the writer gives it, and renders it back', () => {
    const serving: MpcMeshFile = { ...mesh, serves: { daoId: 'dao-7', version: 3, revision: 2 } };
    const text = renderMpcMeshFile(serving);
    expect(text.endsWith(',"serves":{"daoId":"dao-7","revision":2,"version":3}}\n')).toBe(true);
    expect(parseMpcMeshFile(text)).toEqual(serving);
    expect(parseMpcMeshFile(renderMpcMeshFile(mesh))).not.toHaveProperty('serves');
    expect(() => parseMpcMeshFile(JSON.stringify({ ...mesh, serves: { daoId: 'dao-7', version: 0, revision: 1 } }))).toThrow(/serves\.version must be a positive integer/);
    expect(() => parseMpcMeshFile(JSON.stringify({ ...mesh, serves: { version: 2, revision: 1 } }))).toThrow(/serves\.daoId/);
    expect(() => parseMpcMeshFile(JSON.stringify({ ...mesh, serves: { daoId: 'dao-7', version: 2 } }))).toThrow(/serves\.revision/);
    expect(() => parseMpcMeshFile(JSON.stringify({ ...mesh, serves: 2 }))).toThrow(/serves must be an object/);
  });

  it('reads what another writer wrote, in any key order and layout', () => {
    expect(parseMpcMeshFile(JSON.stringify(mesh, null, 2))).toEqual(mesh);
  });

  it.each([
    ['not JSON', () => '{"index":', /not JSON/],
    ['not an object', () => '[]', /JSON object/],
    ['one party', () => JSON.stringify({ index: 0, parties: [mesh.parties[0]] }), /at least two parties/],
    ['an index past the parties', () => JSON.stringify({ ...mesh, index: 2 }), /index must be an integer from 0 to 1/],
    ['a fractional index', () => JSON.stringify({ ...mesh, index: 0.5 }), /index must be an integer/],
    ['a negative index', () => JSON.stringify({ ...mesh, index: -1 }), /index must be an integer/],
    ['an empty name', () => withParty(0, { name: ' ' }), /parties\[0\]\.name/],
    ['an endpoint without a port', () => withParty(1, { endpoint: 'node-b' }), /parties\[1\]\.endpoint/],
    ['port 0', () => withParty(1, { endpoint: 'node-b:0' }), /parties\[1\]\.endpoint/],
    ['port 65536', () => withParty(0, { endpoint: 'node-a:65536' }), /parties\[0\]\.endpoint/],
    ['an owner that is no MSP id', () => withParty(1, { owner: 'dsp' }), /parties\[1\]\.owner must be an MSP id/],
    ['an owner that is not a string', () => withParty(0, { owner: 7 }), /parties\[0\]\.owner must be an MSP id/],
    ['a key instead of a certificate', () => withParty(0, { certificatePem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }), /parties\[0\]\.certificatePem must be one PEM certificate block/],
    ['two certificates in one', () => withParty(1, { caCertificatePem: mesh.parties[0]!.caCertificatePem + mesh.parties[1]!.caCertificatePem }), /parties\[1\]\.caCertificatePem must be one PEM/],
    ['a PEM block that is no certificate', () => withParty(1, { certificatePem: '-----BEGIN CERTIFICATE-----\nQUJDREVGR0g=\n-----END CERTIFICATE-----\n' }), /parties\[1\]\.certificatePem is not a readable X\.509 certificate/],
  ])('refuses %s, saying what is wrong', (_what, text, message) => {
    expect(() => parseMpcMeshFile(text())).toThrow(message);
  });

  it('never echoes a PEM body in its message', () => {
    const body = mesh.parties[0]!.certificatePem.split('\n')[1]!;
    const broken = mesh.parties[0]!.certificatePem.replace(body, body.slice(0, 20) + '!!' + body.slice(22));
    try {
      parseMpcMeshFile(withParty(0, { certificatePem: broken }));
      throw new Error('accepted');
    } catch (err) {
      expect((err as Error).message).toMatch(/parties\[0\]\.certificatePem/);
      expect((err as Error).message).not.toContain(body.slice(0, 20));
    }
  });
});
