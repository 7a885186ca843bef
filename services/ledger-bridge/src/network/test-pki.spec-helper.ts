import 'reflect-metadata';
import { createPrivateKey, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { canonicalBytes } from '@datawell/domain';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
type KeyPair = webcrypto.CryptoKeyPair;

const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
const validity = (offsetMs = 0) => ({ notBefore: new Date(Date.now() - 60_000 + offsetMs), notAfter: new Date(Date.now() + 3600_000 + offsetMs) });

export interface TestCa {
  readonly certPem: string;
  issue(cn: string, opts?: { offsetMs?: number }): Promise<{ certPem: string; keyPem: string }>;
}

/** A throw-away organisation CA (ECDSA P-256) for unit tests. */
export async function testCa(name: string): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    ...validity(),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  let serial = 2;
  return {
    certPem: ca.toString('pem'),
    async issue(cn, opts = {}) {
      const leaf = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, '0'),
        subject: `CN=${cn}`,
        issuer: ca.subject,
        ...validity(opts.offsetMs),
        signingKey: keys.privateKey,
        publicKey: leaf.publicKey,
        signingAlgorithm: ALG,
      });
      return { certPem: cert.toString('pem'), keyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', leaf.privateKey)) };
    },
  };
}

/** A certificate request of a fresh ECDSA key (P-256 unless told) with `CN=<cn>`. */
export async function testCsr(cn: string, curve: 'P-256' | 'P-384' = 'P-256'): Promise<string> {
  const signing = { name: 'ECDSA', namedCurve: curve, hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(signing, true, ['sign', 'verify'])) as KeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: signing });
  return csr.toString('pem');
}

/** A member's signature as the negotiation service makes it: base64 ECDSA-SHA256 (DER) over canonical JSON. */
export function signAgreement(agreement: unknown, keyPem: string): string {
  return sign('sha256', canonicalBytes(agreement), createPrivateKey(keyPem)).toString('base64');
}
