import { createHash, X509Certificate } from 'node:crypto';
import { unauthenticated } from './errors';
import type { DirectoryEntry } from './principal';

export interface VerifiedCertificate {
  readonly entry: DirectoryEntry;
  readonly enrollmentId: string;
  readonly fingerprint: string;
  readonly certificate: X509Certificate;
}

export function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw unauthenticated('certificatePem is not a readable X.509 certificate', error);
  }
}

export function fingerprintOf(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('hex');
}

/** The CN of the subject: Fabric CA puts the enrollment id there. */
export function commonName(certificate: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
}

/**
 * Finds the registered participant whose CA issued `certificate` and checks the signature and the
 * validity period. Only active participants count: a removed organisation's identities are refused.
 */
export function verifyAgainstDirectory(certificate: X509Certificate, entries: readonly DirectoryEntry[], now = new Date()): VerifiedCertificate {
  for (const entry of entries) {
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(entry.caCertPem);
    } catch {
      continue;
    }
    if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) continue;
    if (entry.status !== 'active') throw unauthenticated(`${entry.mspId} is not an active participant (status ${entry.status})`);
    if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
      throw unauthenticated(`the certificate is not valid now (valid ${certificate.validFrom} to ${certificate.validTo})`);
    }
    const enrollmentId = commonName(certificate);
    if (!enrollmentId) throw unauthenticated('the certificate has no common name');
    return { entry, enrollmentId, fingerprint: fingerprintOf(certificate), certificate };
  }
  throw unauthenticated('the certificate was not issued by the CA of any registered participant');
}
