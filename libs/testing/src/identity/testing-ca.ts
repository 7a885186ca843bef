import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** What a test certificate carries beyond its request: Fabric CA's enrollment attributes (`{attrs}` JSON), or that extension's raw text. */
export interface TestIssueOptions {
  readonly attributes?: Readonly<Record<string, string>> | string;
}

/**
 * A throwaway certificate authority for unit tests of code that checks enrolled certificates (the
 * real ones come from Fabric CA; integration tests use those).
 */
export async function testCertificateAuthority(name: string): Promise<{ caCertPem: string; issue(csrPem: string, validDays?: number, options?: TestIssueOptions): Promise<string> }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    keys,
    signingAlgorithm: ECDSA,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  let serial = 2;
  return {
    caCertPem: ca.toString('pem'),
    async issue(csrPem: string, validDays = 1, options: TestIssueOptions = {}) {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, '0'),
        subject: csr.subject,
        issuer: ca.subject,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + validDays * 86_400_000),
        publicKey: await csr.publicKey.export(),
        signingKey: keys.privateKey,
        signingAlgorithm: ECDSA,
        // Fabric CA's attribute extension (1.2.3.4.5.6.7.8.1): its JSON as Fabric CA writes it, or raw bytes.
        extensions: options.attributes === undefined ? [] : [new x509.Extension('1.2.3.4.5.6.7.8.1', false, Buffer.from(typeof options.attributes === 'string' ? options.attributes : JSON.stringify({ attrs: options.attributes })))],
      });
      return cert.toString('pem');
    },
  };
}
