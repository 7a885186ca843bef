import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type KeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';

/**
 * A throw-away CA and one certificate per MPC node (ECDSA P-256), for tests, the demo and the
 * benchmarks on loopback. Real nodes get their certificates from the DAO's CA.
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

export async function generateTestPki(parties: number, prefix = 'mpc-node'): Promise<TestPki> {
  const now = Date.now();
  const validity = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 24 * 3600_000) };
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${prefix}-ca`,
    ...validity,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const caCert = ca.toString('pem');
  const names = Array.from({ length: parties }, (_, i) => `${prefix}-${i}`);
  const identities: TlsIdentity[] = [];
  for (let i = 0; i < parties; i++) {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (i + 2).toString(16).padStart(2, '0'),
      subject: `CN=${names[i]}`,
      issuer: ca.subject,
      ...validity,
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ],
    });
    const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    identities.push({ key, cert: cert.toString('pem'), ca: caCert });
  }
  return { caCert, names, identities };
}
