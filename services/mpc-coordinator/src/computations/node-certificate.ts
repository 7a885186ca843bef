import { X509Certificate } from 'node:crypto';
import { issuingCa } from '@datawell/auth';
import { invalid } from './computations.errors';
import type { NodePin } from './node-client.adapter';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The pin of a node its member registers itself (PUT …/nodes with `certificatePem`): the node's
 * certificate must be one PEM X.509 certificate, valid now, issued (signature verified) by a CA
 * certificate of the caller's MSP as the identity directory holds it (`memberCaPem`). The pin is that
 * certificate and the CA certificate that issued it. Anything else is INVALID_REQUEST naming the
 * field, never the PEM.
 */
export function nodeCertificatePin(mspId: string, certificatePem: string, memberCaPem: string | undefined, now = new Date()): NodePin {
  const blocks = certificatePem.match(PEM_BLOCK) ?? [];
  if (blocks.length !== 1 || certificatePem.replace(PEM_BLOCK, '').trim() !== '') throw invalid('certificatePem: must be exactly one PEM certificate');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(blocks[0]!);
  } catch {
    throw invalid('certificatePem: not a readable X.509 certificate');
  }
  if (certificate.ca) throw invalid('certificatePem: a CA certificate is not a node certificate');
  if (!memberCaPem) throw invalid(`certificatePem: the identity directory holds no CA of ${mspId}`);
  const issuer = issuingCa(certificate, memberCaPem);
  if (!issuer) throw invalid(`certificatePem: not issued by the CA of ${mspId} in the identity directory`);
  if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) throw invalid('certificatePem: the certificate is not valid now');
  return { certificatePem: certificate.toString(), caCertificatePem: issuer.toString() };
}
