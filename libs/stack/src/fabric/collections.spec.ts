import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectionsArgs, committedCollectionMembers, isPrivateChaincodeModule, isPrivateChaincodeName, membersCollections } from './collections';

describe('the dao chaincode\'s collection of a channel\'s members', () => {
  it('is one collection of every organisation, sorted and once each, pushed to the others and kept for ever', () => {
    expect(membersCollections(['VspMSP', 'DspMSP', 'VspMSP'])).toEqual([
      { name: 'dao-members', policy: "OR('DspMSP.member','VspMSP.member')", requiredPeerCount: 0, maxPeerCount: 1, blockToLive: 0, memberOnlyRead: true, memberOnlyWrite: true },
    ]);
    // The same members in any order give the same definition: every member's approval matches.
    expect(membersCollections(['B', 'A', 'C'])).toEqual(membersCollections(['C', 'B', 'A']));
    expect(() => membersCollections([])).toThrow(/at least one member/);
  });

  it('is the dao chaincode\'s only, by name or by module folder', () => {
    expect([isPrivateChaincodeName('dao'), isPrivateChaincodeName('marketplace'), isPrivateChaincodeName('hello')]).toEqual([true, false, false]);
    expect([isPrivateChaincodeModule('/repo/chaincode/dao'), isPrivateChaincodeModule('/repo/chaincode/putstate')]).toEqual([true, false]);
  });

  it('is written where the peer CLI reads it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'collections-')), 'c.json');
    expect(collectionsArgs(file, membersCollections(['A']))).toEqual(['--collections-config', file]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(membersCollections(['A']));
  });

  it('reads the members of a committed definition as querycommitted prints it (Fabric 3.1, one peer\'s answer)', () => {
    const committed = {
      config: [
        {
          Payload: {
            StaticCollectionConfig: {
              name: 'dao-members',
              member_orgs_policy: {
                Payload: {
                  SignaturePolicy: {
                    rule: { Type: { NOutOf: { n: 1, rules: [{ Type: { SignedBy: 0 } }, { Type: { SignedBy: 1 } }] } } },
                    identities: [{ principal: 'CgtJdFZzcE9uZU1TUA==' }, { principal: 'CghJdERzcE1TUA==' }],
                  },
                },
              },
              maximum_peer_count: 1,
              member_only_read: true,
              member_only_write: true,
            },
          },
        },
      ],
    };
    expect(committedCollectionMembers(committed)).toEqual(['ItDspMSP', 'ItVspOneMSP']);
    expect(committedCollectionMembers(undefined)).toEqual([]);
  });
});
