import { canonicalJson } from '@datawell/domain/canonical-json';
import type { Agreement, AgreementToSign } from '../api/negotiation';

/*
 * What the page signs when one accepts: the canonical JSON of the whole agreement (its documentDigest
 * included), the bytes the negotiation service and the dao chaincode verify (libs/domain
 * agreementSigningBytes = canonicalBytes). The page does not sign the service's bytes on trust: it
 * writes the canonical JSON itself (libs/domain canonicalJson) of the agreement it shows, checks the
 * service's `canonical` is the same text and that documentDigest is the SHA-256 of the document
 * without it, and only then signs.
 */

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The text to sign and its SHA-256 (the chaincode's agreementDigest), or why it must not be signed. */
export async function bytesToSign(toSign: AgreementToSign, shown: Agreement): Promise<{ canonical: string; sha256: string }> {
  const canonical = canonicalJson(toSign.agreement);
  if (canonical !== toSign.canonical) throw new Error('the service’s bytes to sign are not the canonical JSON of its agreement: not signed');
  if (canonicalJson(shown) !== canonical) throw new Error(`revision ${toSign.revision} is not the agreement shown here (it changed): not signed; look again`);
  const { documentDigest, ...document } = toSign.agreement;
  if ((await sha256Hex(canonicalJson(document))) !== documentDigest) throw new Error('documentDigest is not the SHA-256 of the agreement document: not signed');
  return { canonical, sha256: await sha256Hex(canonical) };
}
