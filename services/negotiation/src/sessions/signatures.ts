import { createHash, verify, X509Certificate } from 'node:crypto';
import type { Principal } from '@datawell/auth';
import { negotiationError } from './negotiation.errors';

/*
 * The one check of every signed request of a session (acceptances, proposals and counter-proposals):
 * the certificate it carries is the one the caller authenticated with — libs/auth verified that one
 * against the CA of the caller's organisation in the identity directory at login (or on the
 * mutual-TLS connection), so the signer is the caller's enrolled identity — and its key verifies an
 * ECDSA-SHA256 (DER, base64) signature over the exact bytes the request stands for.
 */

export interface SignerCertificate {
  readonly certificate: X509Certificate;
  /** SHA-256 hex of the DER certificate, as the principal carries it. */
  readonly fingerprint: string;
}

/**
 * The certificate of a signed request, if it is the caller's. 400 INVALID_CERTIFICATE when it is
 * not a readable X.509 certificate; 403 CERTIFICATE_MISMATCH when it is another certificate than the
 * one the caller authenticated with (another identity, or another organisation's).
 */
export function callerCertificate(principal: Principal, certificatePem: string): SignerCertificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    throw negotiationError('INVALID_CERTIFICATE', 'certificatePem is not a readable X.509 certificate');
  }
  const fingerprint = certificateFingerprint(certificate);
  if (fingerprint !== principal.certificateFingerprint) {
    throw negotiationError('CERTIFICATE_MISMATCH', 'certificatePem is not the certificate this caller authenticated with');
  }
  return { certificate, fingerprint };
}

export const certificateFingerprint = (certificate: X509Certificate): string => createHash('sha256').update(certificate.raw).digest('hex');

/** Whether `signatureBase64` (DER ECDSA-SHA256) verifies over `bytes` with the certificate's key. */
export function verifySignature(certificate: X509Certificate, bytes: Buffer, signatureBase64: string): boolean {
  try {
    return verify('sha256', bytes, certificate.publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/** 400 INVALID_SIGNATURE, saying over what, unless the signature verifies over `bytes`. */
export function requireSignature(signer: SignerCertificate, bytes: Buffer, signatureBase64: string, over: string): void {
  if (!verifySignature(signer.certificate, bytes, signatureBase64)) {
    throw negotiationError('INVALID_SIGNATURE', `the signature does not verify over ${over} with the certificate's key`);
  }
}
