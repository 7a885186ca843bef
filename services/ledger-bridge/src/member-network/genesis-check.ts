import { X509Certificate } from 'node:crypto';
import type { ChannelOrganisation } from '@datawell/stack';

/** What a member knows for sure before it joins a channel the operator formed. */
export interface GenesisExpectations {
  /** This member and the CA certificate(s) of its own MSP (from its own domain). */
  readonly self: { readonly mspId: string; readonly caCertPems: readonly string[] };
  /** The members the agreement names. */
  readonly members: readonly string[];
  /** The agreement's acceptance signatures: each signer's certificate, issued by its organisation's CA. */
  readonly signatures: ReadonlyArray<{ readonly mspId: string; readonly certificatePem: string }>;
}

/** A genesis block this member will not join, with the reason. */
export class GenesisRejectedError extends Error {
  override readonly name = 'GenesisRejectedError';
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
export function checkGenesis(expected: GenesisExpectations, orgs: readonly ChannelOrganisation[]): void {
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
