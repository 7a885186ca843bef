import { X509Certificate } from 'node:crypto';

/**
 * The CA certificate of `caPem` (an MSP's cacerts, which may hold more than one) that issued
 * `certificate`, its signature verified with that CA's key; undefined when none did. A CA whose key
 * cannot check the signature at all did not issue it.
 */
export function issuingCa(certificate: X509Certificate, caPem: string): X509Certificate | undefined {
  return caCertificates(caPem).find((ca) => {
    try {
      return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
    } catch {
      return false;
    }
  });
}

/** Every readable certificate in a PEM text (an MSP's cacerts may hold more than one). */
function caCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}
