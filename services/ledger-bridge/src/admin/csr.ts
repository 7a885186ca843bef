import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AdminError } from './admin.errors';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * Checks a certificate request before it goes to a CA: one readable PKCS#10 request, signed by the
 * key it names (proof the requester holds it), an ECDSA P-256 key (what Fabric identities use), and
 * the enrollment id as its subject's common name (the CA refuses anything else).
 */
export async function checkCertificateRequest(csrPem: string, enrollmentId: string): Promise<void> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem.trim());
  } catch {
    throw new AdminError('INVALID_CSR', 'csrPem: not a readable PKCS#10 certificate request');
  }
  const algorithm = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    throw new AdminError('INVALID_CSR', `csrPem: the key must be ECDSA on P-256, not ${algorithm.name ?? 'unknown'}${algorithm.namedCurve ? ` ${algorithm.namedCurve}` : ''}`);
  }
  let signed = false;
  try {
    signed = await csr.verify();
  } catch {
    signed = false;
  }
  if (!signed) throw new AdminError('INVALID_CSR', 'csrPem: the request is not signed by the key it names');
  const cn = csr.subjectName.getField('CN');
  if (cn.length !== 1 || cn[0] !== enrollmentId) {
    throw new AdminError('INVALID_CSR', `csrPem: the subject's common name must be the enrollment id "${enrollmentId}" (found ${cn.length ? `"${cn.join('", "')}"` : 'none'})`);
  }
}
