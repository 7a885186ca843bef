import { proposalSigningText } from '@datawell/domain/proposal-signing';
import type { Proposal, SignedProposal } from '../api/negotiation';
import { signWith } from '../auth/keyring';

/*
 * A proposal or counter-proposal leaves the page signed by the signed-in identity's key, as an
 * acceptance does: the page writes the text itself — proposalSigningText of libs/domain, the
 * canonical JSON of {sessionId, answers, proposal} — signs it with WebCrypto (ECDSA-SHA256, sent as
 * DER base64) and sends the proposal with the certificate and the signature. `answers` is the
 * revision the page shows: if another party proposed meanwhile, the service refuses it (409
 * STALE_REVISION) rather than letting it answer a revision its author did not see.
 */

/** The body of POST /sessions/:id/proposals: the proposal exactly as sent (JSON: no undefined fields) and its signature. */
export async function signedProposal(key: CryptoKey, certificatePem: string, sessionId: string, answers: number, proposal: Proposal): Promise<SignedProposal> {
  const sent = JSON.parse(JSON.stringify(proposal)) as Proposal;
  const signature = await signWith(key, proposalSigningText(sessionId, answers, sent));
  return { answers, proposal: sent, certificatePem, signature };
}
