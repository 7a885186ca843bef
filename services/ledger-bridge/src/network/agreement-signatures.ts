import type { AgreementReached } from '@datawell/contracts';
import { AgreementConsentError, checkConsent, verifyAcceptances, type ConsentMember } from '@datawell/domain';

/** An agreement whose signatures do not prove that every member accepted exactly this agreement. */
export class AgreementSignatureError extends Error {
  override readonly name = 'AgreementSignatureError';
  readonly code = 'BAD_SIGNATURE';
}

/**
 * Checks, before a channel is built, that the members who must accept an agreement signed it, with
 * the same rules the dao chaincode's InitVersion applies on chain (`verifyAcceptances` and
 * `checkConsent` of @datawell/domain): each certificate issued by the CA of the signer's
 * organisation (`caOf`) and valid now, naming the enrollment id, its key verifying the signature over
 * the canonical JSON of `agreement`; a formation signed by every member, a join by the founding
 * group, the joiners and an ownership majority of the earlier members. The bridge cannot read the
 * previous version's channel, so the earlier members' ownership is the agreement's own; the
 * chaincode checks it against the previous version as recorded.
 */
export function verifyAgreementSignatures(event: AgreementReached, caOf: (mspId: string) => string | undefined, now = new Date()): void {
  const members = memberRows(event.agreement);
  const version = typeof event.agreement['version'] === 'number' ? event.agreement['version'] : 1;
  try {
    const accepted = verifyAcceptances({ agreement: event.agreement, members, signatures: event.signatures, caOf, atMs: now.getTime() });
    checkConsent({ version, members }, accepted);
  } catch (error) {
    if (error instanceof AgreementConsentError) throw new AgreementSignatureError(error.message);
    throw error;
  }
}

function memberRows(agreement: Record<string, unknown>): ConsentMember[] {
  const members = agreement['members'];
  if (!Array.isArray(members)) return [];
  return members
    .filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object' && typeof (m as Record<string, unknown>)['mspId'] === 'string')
    .map((m) => ({ mspId: m['mspId'] as string, group: String(m['group']), ownershipPpm: typeof m['ownershipPpm'] === 'number' ? m['ownershipPpm'] : 0 }));
}
