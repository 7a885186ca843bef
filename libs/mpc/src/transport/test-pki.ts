import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';

type KeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';

/**
 * Certificates of the MPC mesh (ECDSA P-256): a CA, and certificates whose CN names a party (or the
 * coordinator), valid for both ends of a mutually authenticated TLS connection. `generateTestPki` makes
 * a throw-away CA and one certificate per node for tests, the demo and the benchmarks on loopback; an
 * operator's CA (`createMpcCa`) is kept on disk and issues the certificates of the nodes the
 * provisioner runs and of the coordinator (`issueMpcCertificate`).
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A node's key and certificate, and the CA certificate(s) that issue the nodes' certificates (PEM). */
export interface TlsIdentity {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

export interface TestPki {
  readonly caCert: string;
  readonly names: string[];
  readonly identities: TlsIdentity[];
}

/** A CA able to issue mesh certificates: its certificate and its PKCS#8 private key (PEM). */
export interface MpcCa {
  readonly cert: string;
  readonly key: string;
}

const DAY_MS = 24 * 3600_000;
const serial = () => `01${randomBytes(15).toString('hex')}`;

export async function createMpcCa(name: string, validDays = 3650): Promise<MpcCa> {
  const now = Date.now();
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validDays * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { cert: ca.toString('pem'), key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** A new key and a certificate for `commonName` (server and client use) issued by `ca`. */
export async function issueMpcCertificate(ca: MpcCa, commonName: string, validDays = 365): Promise<TlsIdentity> {
  const now = Date.now();
  const issuer = new x509.X509Certificate(ca.cert);
  const signingKey = await webcrypto.subtle.importKey('pkcs8', Buffer.from(ca.key.replace(/-----[^-]+-----|\s/g, ''), 'base64'), ALG, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${commonName}`,
    issuer: issuer.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(Math.min(now + validDays * DAY_MS, issuer.notAfter.getTime())),
    signingKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(false), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth])],
  });
  return { key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), cert: cert.toString('pem'), ca: ca.cert };
}

export async function generateTestPki(parties: number, prefix = 'mpc-node'): Promise<TestPki> {
  const ca = await createMpcCa(`${prefix}-ca`, 1);
  const names = Array.from({ length: parties }, (_, i) => `${prefix}-${i}`);
  const identities: TlsIdentity[] = [];
  for (const name of names) identities.push(await issueMpcCertificate(ca, name, 1));
  return { caCert: ca.cert, names, identities };
}
