import { ApiError } from './client';
import { daosOf, parseEntitlements, parseVersion, percent } from './daos';

const member = (mspId: string, role: string, ownershipPpm: number) => ({ mspId, group: role === 'DSP' ? 'D' : 'J1', level: 0, role, weight: 1, ownershipPpm, status: 'active', lastHeartbeatMs: 1 });
const version = { daoId: 'd1', version: 1, channel: 'dao-d1-v1', betaPpm: 800_000, status: 'active', members: ['ADspMSP', 'BVspMSP'], terms: {}, memberStates: [member('ADspMSP', 'DSP', 800_000), member('BVspMSP', 'VSP', 200_000)] };

describe('the member bridge answers the DAO page reads', () => {
  it('keeps the fields the page shows from GetVersion', () => {
    expect(parseVersion(version)).toEqual({
      daoId: 'd1',
      version: 1,
      channel: 'dao-d1-v1',
      betaPpm: 800_000,
      status: 'active',
      members: [
        { mspId: 'ADspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800_000, status: 'active' },
        { mspId: 'BVspMSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000, status: 'active' },
      ],
      terms: {},
    });
    const leaving = { ...version, memberStates: [member('ADspMSP', 'DSP', 800_000), { ...member('BVspMSP', 'VSP', 200_000), exitRequestedAtMs: 5, exitEffectiveAtMs: 65 }] };
    expect(parseVersion(leaving).members[1]).toMatchObject({ exitRequestedAtMs: 5, exitEffectiveAtMs: 65 });
    expect(parseVersion({ ...version, successorChannel: 'dao-d1-v2' }).successorChannel).toBe('dao-d1-v2');
  });

  it('refuses an answer without them (an error on the page, not a cast)', () => {
    expect(() => parseVersion({ ...version, betaPpm: '800000' })).toThrow(ApiError);
    expect(() => parseVersion({ ...version, memberStates: undefined })).toThrow('memberStates');
    expect(() => parseVersion([version])).toThrow('not an object');
    expect(() => parseEntitlements({ ADspMSP: '1' })).toThrow('not a list');
  });

  it('reads GetEntitlements', () => {
    expect(parseEntitlements([{ mspId: 'ADspMSP', amount: '800000', allocations: 1, events: [] }])).toEqual([{ mspId: 'ADspMSP', amount: '800000', allocations: 1 }]);
  });

  it('prints ppm as a percentage', () => {
    expect([percent(800_000), percent(123_456), percent(1), percent(0)]).toEqual(['80 %', '12.3456 %', '0.0001 %', '0 %']);
  });
});

describe('my DAOs from the negotiation sessions', () => {
  const s = (daoId: string, version: number, status: 'open' | 'agreed' | 'formed' | 'failed') => ({ daoId, version, status }) as Parameters<typeof daosOf>[0][number];
  it('lists formed DAOs once, with the versions negotiated in order', () => {
    expect(daosOf([s('b', 2, 'formed'), s('b', 1, 'formed'), s('a', 1, 'formed'), s('c', 1, 'open'), s('d', 1, 'failed'), s('b', 2, 'formed')])).toEqual([
      { daoId: 'a', versions: [1] },
      { daoId: 'b', versions: [1, 2] },
    ]);
  });
});
