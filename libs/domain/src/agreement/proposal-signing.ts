import { canonicalJson } from '../canonical-json';

/**
 * What the author of a negotiation proposal (or counter-proposal) signs: the canonical JSON of
 * `{sessionId, answers, proposal}`, where `answers` is the revision of the session the proposal
 * answers (its current revision when it is made, 0 for the opening proposal) and `proposal` exactly
 * the proposal body it posts (betaPpm, members, terms, infrastructure, as sent: `cloud` stays
 * `cloud`). Signing the session and the revision answered binds a signature to one place in one
 * negotiation: it cannot be replayed in another session or against a later revision.
 *
 * Pure and browser-safe (the console imports it by path), so every client computes the same text as
 * the negotiation service, which verifies an ECDSA-SHA256 signature (DER, base64) over its UTF-8
 * bytes with the author's enrolled certificate (docs/negotiation.md, "Signed proposals").
 */
export function proposalSigningText(sessionId: string, answers: number, proposal: unknown): string {
  return canonicalJson({ sessionId, answers, proposal });
}
