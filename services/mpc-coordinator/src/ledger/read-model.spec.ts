import type { LedgerEvent } from '@datawell/contracts';
import { publicVersionMembers, publicVersionOf, type PublicVersionUpdate } from './read-model';

const event = (eventName: string, payload: unknown, channel = 'marketplace'): LedgerEvent =>
  ({ channel, blockNumber: '7', transactionId: 'tx1', eventIndex: 0, chaincodeId: channel === 'marketplace' ? 'marketplace' : 'dao', eventName, payloadEncoding: 'json', payload }) as LedgerEvent;
// As the marketplace chaincode emits it: the payload's `channel` is the channel it was emitted on.
const published = (payload: Record<string, unknown>, channel?: string) => event('DaoPublished', { daoId: 'd1', version: 2, channel: 'marketplace', members: ['DspMSP', 'VspMSP'], status: 'active', ...payload }, channel);

describe('a DAO version from the public directory (DaoPublished)', () => {
  it('gives a public version: its listed members, its channel, not dissolved', () => {
    expect(publicVersionOf(published({}))).toEqual({ kind: 'public-version', daoId: 'd1', version: 2, channel: 'dao-d1-v2', members: ['DspMSP', 'VspMSP'], dissolved: false });
    expect(publicVersionOf(published({ members: ['DspMSP', 'DspMSP', 'VspMSP'] }))).toMatchObject({ channel: 'dao-d1-v2', members: ['DspMSP', 'VspMSP'] });
    // Whatever channel the payload names, the version's channel is the DAO's and the version's.
    expect(publicVersionOf(published({ channel: 'dao-d9-v7' }))).toMatchObject({ channel: 'dao-d1-v2' });
  });

  it('says a dissolved DAO, with or without its members', () => {
    expect(publicVersionOf(published({ status: 'dissolved' }))).toMatchObject({ kind: 'public-version', dissolved: true, members: ['DspMSP', 'VspMSP'] });
    const bare = publicVersionOf(event('DaoPublished', { daoId: 'd1', version: 2, status: 'dissolved' }));
    expect(bare).toMatchObject({ kind: 'public-version', dissolved: true });
    expect(bare).not.toHaveProperty('members');
  });

  it.each([
    ['no version', { version: undefined }, /version/],
    ['no members of an active DAO', { members: undefined }, /without its members/],
    ['empty members', { members: [] }, /members/],
    ['a member that is not a string', { members: [7] }, /members/],
    ['a DAO id that names no channel', { daoId: 'bad id!' }, /channel/],
  ])('ignores an entry with %s (logged and skipped)', (_what, change, problem) => {
    const update = publicVersionOf(published(change));
    expect(update).toHaveProperty('ignored');
    expect((update as { ignored: string }).ignored).toMatch(problem);
  });

  it('reads DaoPublished only on the marketplace channel, and no DAO channel\'s event', () => {
    expect(publicVersionOf(published({}, 'dao-d1-v2'))).toBeUndefined();
    expect(publicVersionOf(event('OfferPosted', { offerId: 'o1' }))).toBeUndefined();
    // The operator's peer is on no DAO channel: what such a channel's events would say is never read.
    const member = { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 1_000_000 };
    expect(publicVersionOf(event('VersionCreated', { daoId: 'd1', version: 2, members: [member], terms: { computations: [] } }, 'dao-d1-v2'))).toBeUndefined();
    expect(publicVersionOf(event('MemberExited', { mspId: 'DspMSP' }, 'dao-d1-v2'))).toBeUndefined();
    expect(publicVersionOf(event('InfrastructureProvisioned', { revision: 1, resources: { mpcNodes: [] } }, 'dao-d1-v2'))).toBeUndefined();
  });
});

describe("a public entry against the version's row", () => {
  const update = (change: Partial<PublicVersionUpdate> = {}): PublicVersionUpdate => ({ kind: 'public-version', daoId: 'd1', version: 2, channel: 'dao-d1-v2', members: ['DspMSP', 'VspMSP'], dissolved: false, ...change });

  it('makes the listed members active members with unknown roles, replacing an earlier public entry', () => {
    expect(publicVersionMembers(undefined, update())).toEqual({
      members: [
        { mspId: 'DspMSP', role: '', group: '', status: 'active' },
        { mspId: 'VspMSP', role: '', group: '', status: 'active' },
      ],
    });
    const earlier = [{ mspId: 'OldMSP', role: '', group: '', status: 'active' as const }];
    expect(publicVersionMembers({ members: earlier }, update({ members: ['DspMSP'] }))).toEqual({ members: [{ mspId: 'DspMSP', role: '', group: '', status: 'active' }] });
  });

  it('makes every member inactive once the DAO is dissolved, the known ones when the entry lists none', () => {
    const dissolved = publicVersionMembers(undefined, update({ dissolved: true }));
    expect(dissolved).toEqual({ members: [expect.objectContaining({ mspId: 'DspMSP', status: 'exited' }), expect.objectContaining({ mspId: 'VspMSP', status: 'exited' })] });
    const earlier = [{ mspId: 'DspMSP', role: '', group: '', status: 'active' as const }];
    const { members: _m, ...bare } = update({ dissolved: true });
    expect(publicVersionMembers({ members: earlier }, bare)).toEqual({ members: [{ mspId: 'DspMSP', role: '', group: '', status: 'exited' }] });
    expect(publicVersionMembers(undefined, bare)).toEqual({ skipped: 'no public entry of d1 version 2 to dissolve' });
  });
});
