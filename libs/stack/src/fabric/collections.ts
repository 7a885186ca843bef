import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DAO, DAO_PRIVATE_COLLECTION } from '@datawell/contracts';

/*
 * The private data collection of a DAO channel's dao chaincode (docs/ledger.md, "Private data"):
 * its members are exactly the channel's organisations, so a block (and the orderer that orders it)
 * carries only hashes of a DAO's state. The collection is part of the chaincode definition, which
 * every member approves with the same configuration: each derives it from the channel's
 * organisations as its own peer's channel config lists them (never from what the operator says),
 * sorted, so the approvals match. A seat that changes hands changes the channel's organisations,
 * hence the collection: the definition is approved again at the next sequence (fabric/seats.ts).
 */

/** One collection as the peer CLI's `--collections-config` file lists it. */
export interface CollectionConfig {
  readonly name: string;
  readonly policy: string;
  readonly requiredPeerCount: number;
  readonly maxPeerCount: number;
  readonly blockToLive: number;
  readonly memberOnlyRead: boolean;
  readonly memberOnlyWrite: boolean;
}

/** Whether a chaincode of this name (or built from this module folder) keeps its state in the members' collection: the dao chaincode. */
export function isPrivateChaincodeName(name: string): boolean {
  return name === DAO.chaincode;
}

export function isPrivateChaincodeModule(modulePath: string): boolean {
  return basename(modulePath) === DAO.chaincode;
}

/**
 * The collections of a private chaincode on a channel of `members`: one collection of them all.
 * Every endorsing peer pushes a transaction's private data to the other members' peers (so a
 * committing peer rarely has to pull it) but waits for none (required 0: a member's peer that is
 * down does not stop the others); the data is kept for ever (blockToLive 0); only members read or
 * write it, whoever proposes.
 */
export function membersCollections(members: readonly string[]): CollectionConfig[] {
  const sorted = [...new Set(members)].sort();
  if (sorted.length === 0) throw new Error('a collection needs at least one member');
  return [
    {
      name: DAO_PRIVATE_COLLECTION,
      policy: `OR(${sorted.map((m) => `'${m}.member'`).join(',')})`,
      requiredPeerCount: 0,
      maxPeerCount: Math.max(0, sorted.length - 1),
      blockToLive: 0,
      memberOnlyRead: true,
      memberOnlyWrite: true,
    },
  ];
}

/**
 * The members of a committed definition's collections, from `peer lifecycle chaincode querycommitted
 * --output json` (its `collections`, whose member policies list each organisation as a `principal`:
 * the base64 of an MSPRole message, `msp_identifier` its field 1): sorted, each once; empty without
 * collections.
 */
export function committedCollectionMembers(collections: unknown): string[] {
  if (collections === undefined || collections === null) return [];
  const principals = [...JSON.stringify(collections).matchAll(/"principal":"([A-Za-z0-9+/=]+)"/g)].map((x) => mspIdentifierOf(Buffer.from(x[1] as string, 'base64')));
  return [...new Set(principals.filter((p): p is string => p !== undefined))].sort();
}

/** Field 1 (a string) of a protobuf message, if it starts with it: an MSPRole's msp_identifier. */
function mspIdentifierOf(bytes: Buffer): string | undefined {
  if (bytes[0] !== 0x0a) return undefined;
  let length = 0;
  let at = 1;
  for (let shift = 0; at < bytes.length; shift += 7) {
    const b = bytes[at++] as number;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  return at + length <= bytes.length ? bytes.subarray(at, at + length).toString('utf8') : undefined;
}

/** Writes the collections file and returns the peer CLI arguments that name it. */
export function collectionsArgs(file: string, collections: readonly CollectionConfig[], write: (file: string, content: string) => void = (f, c) => writeFileSync(f, c, { mode: 0o644 })): string[] {
  write(file, `${JSON.stringify(collections, null, 2)}\n`);
  return ['--collections-config', file];
}
