import { verify, X509Certificate } from 'node:crypto';
import type { AgreementReached } from '@datawell/contracts';
import { canonicalBytes } from '@datawell/domain';

/** An agreement whose signatures do not prove that every member accepted exactly this agreement. */
export class AgreementSignatureError extends Error {
  override readonly name = 'AgreementSignatureError';
  readonly code = 'BAD_SIGNATURE';
}

/**
 * Checks that the members who must accept an agreement signed it (a formation: every member; a
 * join: the founding group, the joiners and an ownership majority of the earlier members): for each signature, the certificate was issued
 * by the CA of the signer's organisation (`caOf`, its MSP's CA certificate) and is valid now, names
 * the enrollment id, and its key verifies the signature (base64 ECDSA-SHA256, DER) over the canonical
 * JSON of `agreement`. A signature by a non-member, or a member without one, fails the whole agreement.
 */
export function verifyAgreementSignatures(event: AgreementReached, caOf: (mspId: string) => string | undefined, now = new Date()): void {
  const members = new Set(membersOf(event.agreement));
  if (members.size === 0) throw new AgreementSignatureError('the agreement names no members');
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(event.agreement);
  } catch (error) {
    throw new AgreementSignatureError(`the agreement has no canonical JSON to sign: ${error instanceof Error ? error.message : String(error)}`);
  }
  const signed = new Set<string>();
  for (const [i, s] of event.signatures.entries()) {
    const where = `signatures.${i} (${s.mspId}/${s.enrollmentId})`;
    if (!members.has(s.mspId)) throw new AgreementSignatureError(`${where}: ${s.mspId} is not a member of the agreement`);
    const caPem = caOf(s.mspId);
    if (!caPem) throw new AgreementSignatureError(`${where}: no CA certificate is known for ${s.mspId}`);
    let cert: X509Certificate;
    let ca: X509Certificate;
    try {
      cert = new X509Certificate(s.certificatePem);
      ca = new X509Certificate(caPem);
    } catch {
      throw new AgreementSignatureError(`${where}: the certificate is not readable`);
    }
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new AgreementSignatureError(`${where}: the certificate was not issued by the CA of ${s.mspId}`);
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) throw new AgreementSignatureError(`${where}: the certificate is not valid now`);
    if (commonName(cert) !== s.enrollmentId) throw new AgreementSignatureError(`${where}: the certificate is not ${s.enrollmentId}'s`);
    let ok = false;
    try {
      ok = verify('sha256', bytes, cert.publicKey, Buffer.from(s.signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) throw new AgreementSignatureError(`${where}: the signature does not verify over the agreement`);
    signed.add(s.mspId);
  }
  const rows = memberRows(event.agreement);
  const version = typeof event.agreement['version'] === 'number' ? event.agreement['version'] : 1;
  if (version <= 1) {
    const missing = [...members].filter((m) => !signed.has(m));
    if (missing.length > 0) throw new AgreementSignatureError(`not signed by ${missing.join(', ')}`);
    return;
  }
  // A join: the founding group D and the joining group J_version sign, and the earlier members who
  // signed hold more than half of the earlier members' ownership (ownership in the new version is
  // the old one scaled by β, so the majority is the same as in version − 1).
  const joining = `J${version}`;
  const missing = rows.filter((m) => (m.group === 'D' || m.group === joining) && !signed.has(m.mspId)).map((m) => m.mspId);
  if (missing.length > 0) throw new AgreementSignatureError(`not signed by ${missing.join(', ')} (the founding group and the joiners must sign)`);
  const earlier = rows.filter((m) => m.group !== joining);
  const total = earlier.reduce((sum, m) => sum + m.ownershipPpm, 0);
  const accepted = earlier.filter((m) => signed.has(m.mspId)).reduce((sum, m) => sum + m.ownershipPpm, 0);
  if (2 * accepted <= total) throw new AgreementSignatureError(`the earlier members who signed hold ${accepted} of ${total} ppm of their ownership, not a majority`);
}

function memberRows(agreement: Record<string, unknown>): Array<{ mspId: string; group: string; ownershipPpm: number }> {
  const members = agreement['members'];
  if (!Array.isArray(members)) return [];
  return members
    .filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object')
    .map((m) => ({ mspId: String(m['mspId']), group: String(m['group']), ownershipPpm: typeof m['ownershipPpm'] === 'number' ? m['ownershipPpm'] : 0 }));
}

function membersOf(agreement: Record<string, unknown>): string[] {
  const members = agreement['members'];
  if (!Array.isArray(members)) return [];
  return members.map((m) => (m !== null && typeof m === 'object' ? (m as Record<string, unknown>)['mspId'] : undefined)).filter((m): m is string => typeof m === 'string');
}

function commonName(cert: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
}
