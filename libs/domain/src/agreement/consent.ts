import { verify, X509Certificate } from 'node:crypto';
import { canonicalBytes } from '../canonical-json';

/*
 * Whether an agreement's acceptances prove that the members who must consent accepted exactly this
 * agreement. One module for every place that checks it: the dao chaincode's InitVersion (on chain,
 * with the CA certificates recorded on the marketplace ledger and the previous version's recorded
 * ownership) and the operator's ledger bridge (before it builds a channel). Deterministic: no clock
 * (the time is given) and no randomness, so every endorser reaches the same answer.
 */

/** A party's acceptance as negotiation records it: its enrolled certificate and its signature. */
export interface AgreementSignature {
  readonly mspId: string;
  /** The enrollment id the certificate names (its CN). */
  readonly enrollmentId: string;
  readonly certificatePem: string;
  /** base64 ECDSA-SHA256 (DER) over `agreementSigningBytes(agreement)`. */
  readonly signature: string;
}

/** What the consent rule reads of a member: of the new agreement, or of the previous version. */
export interface ConsentMember {
  readonly mspId: string;
  readonly group: string;
  readonly ownershipPpm: number;
  /** Of a previous version's member: only active members count for the majority. */
  readonly status?: string;
}

/** BAD_SIGNATURE: an acceptance does not prove itself. NOT_ACCEPTED: the consent rule is not met. */
export type ConsentFailure = 'BAD_SIGNATURE' | 'NOT_ACCEPTED';

export class AgreementConsentError extends Error {
  override readonly name = 'AgreementConsentError';
  constructor(
    readonly code: ConsentFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The bytes every party signs: the canonical JSON of the whole agreement (its `documentDigest`
 * included). Their SHA-256 is the `agreementDigest` the chaincode records. The negotiation service
 * signs `canonicalJson(agreement)`, the same bytes.
 */
export function agreementSigningBytes(agreement: unknown): Uint8Array {
  return canonicalBytes(agreement);
}

/**
 * Verifies each acceptance and returns the MSP ids whose acceptance holds. Each must be by one of
 * the agreement's `members`; its certificate issued (and signed) by the CA certificate of that member's
 * organisation (`caOf`), valid at `atMs`, naming the enrollment id; and its key must verify the
 * signature over the agreement's signing bytes. Any bad acceptance fails the whole agreement.
 */
export function verifyAcceptances(input: {
  /** The agreement as signed (every field: the signing bytes are its canonical JSON). */
  readonly agreement: unknown;
  readonly members: readonly ConsentMember[];
  readonly signatures: readonly AgreementSignature[];
  readonly caOf: (mspId: string) => string | undefined;
  /** The time certificates must be valid at (the transaction time on chain). */
  readonly atMs: number;
}): Set<string> {
  const { agreement, signatures, caOf, atMs } = input;
  const members = new Set(input.members.map((m) => m.mspId));
  if (members.size === 0) throw new AgreementConsentError('BAD_SIGNATURE', 'the agreement names no members');
  let bytes: Uint8Array;
  try {
    bytes = agreementSigningBytes(agreement);
  } catch (error) {
    throw new AgreementConsentError('BAD_SIGNATURE', `the agreement has no canonical JSON to sign: ${error instanceof Error ? error.message : String(error)}`);
  }
  const accepted = new Set<string>();
  for (const [i, s] of signatures.entries()) {
    const where = `signatures.${i} (${s.mspId}/${s.enrollmentId})`;
    const bad = (why: string) => new AgreementConsentError('BAD_SIGNATURE', `${where}: ${why}`);
    if (!members.has(s.mspId)) throw bad(`${s.mspId} is not a member of the agreement`);
    const caPem = caOf(s.mspId);
    if (!caPem) throw bad(`no CA certificate is known for ${s.mspId}`);
    let cert: X509Certificate;
    let ca: X509Certificate;
    try {
      cert = new X509Certificate(s.certificatePem);
      ca = new X509Certificate(caPem);
    } catch {
      throw bad('the certificate is not readable');
    }
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw bad(`the certificate was not issued by the CA of ${s.mspId}`);
    if (atMs < Date.parse(cert.validFrom) || atMs > Date.parse(cert.validTo)) throw bad('the certificate is not valid now');
    if (commonName(cert) !== s.enrollmentId) throw bad(`the certificate is not ${s.enrollmentId}'s`);
    let ok = false;
    try {
      ok = verify('sha256', bytes, cert.publicKey, Buffer.from(s.signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) throw bad('the signature does not verify over the agreement');
    accepted.add(s.mspId);
  }
  return accepted;
}

/**
 * The consent rule. Formation (version 1): every member accepted. Join (version i > 1): every member
 * of the founding group D and of the joining group J_i accepted, and the earlier members who accepted
 * hold more than half (strictly) of the ownership the active members of version i−1 hold. `previous`
 * is version i−1's members as recorded (ownership and status); without it (a reader that cannot see
 * version i−1) the earlier members' ownership in this agreement stands in for it.
 */
export function checkConsent(agreement: { readonly version: number; readonly members: readonly ConsentMember[] }, accepted: ReadonlySet<string>, previous?: readonly ConsentMember[]): void {
  if (agreement.version <= 1) {
    const missing = agreement.members.filter((m) => !accepted.has(m.mspId)).map((m) => m.mspId);
    if (missing.length > 0) throw new AgreementConsentError('NOT_ACCEPTED', `not signed by ${missing.join(', ')}`);
    return;
  }
  const joining = `J${agreement.version}`;
  const missing = agreement.members.filter((m) => (m.group === 'D' || m.group === joining) && !accepted.has(m.mspId)).map((m) => m.mspId);
  if (missing.length > 0) throw new AgreementConsentError('NOT_ACCEPTED', `not signed by ${missing.join(', ')} (the founding group and the joiners must sign)`);
  const earlier = (previous ?? agreement.members.filter((m) => m.group !== joining)).filter((m) => m.status === undefined || m.status === 'active');
  const total = earlier.reduce((sum, m) => sum + m.ownershipPpm, 0);
  const signed = earlier.filter((m) => accepted.has(m.mspId)).reduce((sum, m) => sum + m.ownershipPpm, 0);
  if (2 * signed <= total) {
    throw new AgreementConsentError('NOT_ACCEPTED', `the earlier members who signed hold ${signed} of ${total} ppm of ${previous ? `version ${agreement.version - 1}'s` : 'their'} ownership, not a majority`);
  }
}

/**
 * The organisations to endorse a join's InitVersion on CH_i: the earlier members' (D, J_1 … J_{i−1}).
 * InitVersion reads version i−1 on CH_{i−1} with a cross-channel query, and a joiner's peer is not on
 * CH_{i−1}, so it can only refuse; left to choose, the Gateway may pick a layout that needs a joiner
 * (the only one it has when discovery briefly misses an earlier member's peer) and abort. Named
 * explicitly only when they alone satisfy the channel's MAJORITY policy (strictly more than half of
 * its organisations); otherwise, and for a formation, undefined (the Gateway chooses).
 */
export function joinEndorsingOrganisations(agreement: { readonly version: number; readonly members: readonly { readonly mspId: string; readonly group: string }[] }): string[] | undefined {
  if (agreement.version <= 1) return undefined;
  const joining = `J${agreement.version}`;
  const all = new Set(agreement.members.map((m) => m.mspId));
  const earlier = [...new Set(agreement.members.filter((m) => m.group !== joining).map((m) => m.mspId))];
  return 2 * earlier.length > all.size ? earlier : undefined;
}

function commonName(cert: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
}
