import { X509Certificate } from 'node:crypto';
import { OPERATOR_MSP } from '@datawell/contracts';
import { ChannelRejectedError, checkGovernedBy, checkMembersGovernance, checkOrdering, checkOwnPlace, checkSeatedChannel, type JoiningChannel } from '@datawell/stack';

/** What a member knows for sure before it joins a channel the operator formed. */
export interface GenesisExpectations {
  /** This member and the CA certificate(s) of its own MSP (from its own domain). */
  readonly self: { readonly mspId: string; readonly caCertPems: readonly string[] };
  /** The members the agreement names. */
  readonly members: readonly string[];
  /** The agreement's acceptance signatures: each signer's certificate, issued by its organisation's CA. */
  readonly signatures: ReadonlyArray<{ readonly mspId: string; readonly certificatePem: string }>;
}

/** A channel this member will not join or relay, with the reason (the stack's rules and these throw the same). */
export { ChannelRejectedError as GenesisRejectedError };
const GenesisRejectedError = ChannelRejectedError;

/** What the member pins of the ordering service it was given (public material from its setup). */
export interface Ordering {
  readonly ordererTlsCaPems: readonly string[];
}

/**
 * The member's check of a DAO channel's genesis block, which the operator built from the members'
 * packages, before its peer joins: the block's application organisations are exactly the agreement's
 * members (the operator did not add itself or anyone else, nor leave anyone out); this member's own
 * MSP there is its own CA (nobody can act as it on the channel); and every organisation whose person
 * signed the agreement has, in the block, the CA that issued that person's certificate (the operator
 * did not swap a member's MSP for one it controls). A member with no signature in this agreement (a
 * join needs a majority only) is checked by the first two rules alone.
 */
export function checkGenesis(expected: GenesisExpectations, orgs: ReadonlyArray<{ readonly mspId: string; readonly rootCertPems: readonly string[] }>): void {
  const inBlock = orgs.map((o) => o.mspId).sort();
  const named = [...new Set(expected.members)].sort();
  if (inBlock.join(',') !== named.join(',')) {
    throw new GenesisRejectedError(`the genesis block's organisations are ${inBlock.join(', ') || 'none'}, the agreement's members ${named.join(', ')}`);
  }
  const byMsp = new Map(orgs.map((o) => [o.mspId, o.rootCertPems.map(parse).filter((c): c is X509Certificate => c !== undefined)]));
  const own = expected.self.caCertPems.map(parse).filter((c): c is X509Certificate => c !== undefined);
  const ownInBlock = byMsp.get(expected.self.mspId) ?? [];
  if (own.length === 0 || !ownInBlock.some((c) => own.some((o) => o.fingerprint256 === c.fingerprint256))) {
    throw new GenesisRejectedError(`${expected.self.mspId}'s MSP in the genesis block is not its own CA`);
  }
  for (const s of expected.signatures) {
    const cert = parse(s.certificatePem);
    const roots = byMsp.get(s.mspId) ?? [];
    if (!cert || !roots.some((root) => cert.checkIssued(root) && cert.verify(root.publicKey))) {
      throw new GenesisRejectedError(`${s.mspId}'s MSP in the genesis block did not issue the certificate its signer accepted the agreement with`);
    }
  }
}

function parse(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/**
 * A DAO channel's genesis block, before the member's peer joins it: the agreement's rules above, and
 * the rules of every channel a member joins (libs/stack channel-check.ts `checkOwnPlace`: the channel
 * asked for, ordered by the ordering service the member pins, its own MSP exactly its own CA, each
 * organisation's policies its own), and a members' channel's governance: its Admins, Endorsement and
 * LifecycleEndorsement a majority of its organisations, the operator none of them.
 */
export function checkFormedChannel(channel: string, expected: GenesisExpectations & Ordering, joining: JoiningChannel): void {
  checkGenesis(expected, joining.genesis.organisations);
  checkOwnPlace({ channel, self: expected.self, ordererTlsCaPems: expected.ordererTlsCaPems }, joining.genesis);
  checkMembersGovernance(channel, joining.genesis, OPERATOR_MSP);
}

/**
 * The `marketplace` channel, before the member's peer joins it: the channel of the operator this
 * member registered with. Its genesis block (which the operator made before the member was admitted)
 * is `marketplace`, ordered by the ordering service the member pins; its latest config (with the
 * member admitted) has the member's own MSP exactly as its own CA, every organisation's policies its
 * own, the operator an organisation of it and its governance the operator's alone. The operator may
 * change `marketplace` and endorses its writes: it can refuse a member's write, not make one (the
 * chaincode takes the writer from its signature, which only the member's own CA can back here).
 */
export function checkMarketplace(expected: { readonly self: GenesisExpectations['self'] } & Ordering, joining: JoiningChannel, channel = 'marketplace'): void {
  const own = { channel, self: expected.self, ordererTlsCaPems: expected.ordererTlsCaPems };
  checkOrdering(own, joining.genesis);
  checkOwnPlace(own, joining.latest);
  checkGovernedBy(channel, joining.latest, OPERATOR_MSP);
}

/** A DAO channel a newcomer was seated on by a transfer of rights (libs/stack `checkSeatedChannel`), the operator being `OperatorMSP`. */
export function checkSeat(channel: string, expected: { readonly self: GenesisExpectations['self'] } & Ordering, joining: JoiningChannel): void {
  checkSeatedChannel({ channel, self: expected.self, ordererTlsCaPems: expected.ordererTlsCaPems }, joining, OPERATOR_MSP);
}
