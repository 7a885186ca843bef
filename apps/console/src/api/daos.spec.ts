import { ApiError } from './client';
import { daosOf, parseAllocations, parseChannel, parseEntitlements, parseVersion, percent, revenueEvents, type Allocation } from './daos';

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

describe('revenue events followed down the versions', () => {
  const alloc = (o: Partial<Allocation> & Pick<Allocation, 'allocationId' | 'source' | 'lump' | 'payouts' | 'rest' | 'restTo' | 'txId'>): Allocation => ({ betaPpm: 800_000, atMs: 1, ...o });
  const top = alloc({ allocationId: 'revenue:r1', source: { kind: 'revenue', revenueId: 'r1' }, lump: '1000', payouts: [{ mspId: 'J2', amount: '100' }], rest: '900', restTo: { channel: 'dao-d-v1' }, txId: 'tx2', atMs: 5 });
  const relay = alloc({ allocationId: 'relay:dao-d-v2:tx2', source: { kind: 'relay', sourceChannel: 'dao-d-v2', sourceTxId: 'tx2' }, lump: '900', payouts: [{ mspId: 'J1', amount: '180' }, { mspId: 'D', amount: '720' }], rest: '720', restTo: { group: 'D' }, txId: 'tx1' });
  const other = alloc({ allocationId: 'relay:dao-d-v2:txX', source: { kind: 'relay', sourceChannel: 'dao-d-v2', sourceTxId: 'txX' }, lump: '9', payouts: [{ mspId: 'J1', amount: '9' }], rest: '0', restTo: { group: 'D' }, txId: 'tx9' });

  it('sums each member’s payouts over the levels, following the relay of the rest by its source transaction', () => {
    const events = revenueEvents([
      { version: 1, channel: 'dao-d-v1', allocations: [other, relay] },
      { version: 2, channel: 'dao-d-v2', allocations: [top] },
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ revenueId: 'r1', version: 2, amount: '1000', txId: 'tx2', payouts: { J2: '100', J1: '180', D: '720' } });
    expect(events[0]!.levels.map((l) => `${l.version} ${l.txId}`)).toEqual(['2 tx2', '1 tx1']);
    expect(events[0]!.restNotShown).toBeUndefined();
  });

  it('says why a rest’s payouts are not shown: a version the member is not on, or a relay still to come', () => {
    expect(revenueEvents([{ version: 2, channel: 'dao-d-v2', allocations: [top] }])[0]).toMatchObject({ payouts: { J2: '100' }, restNotShown: { channel: 'dao-d-v1', amount: '900', why: 'not-your-channel' } });
    expect(revenueEvents([{ version: 1, channel: 'dao-d-v1', allocations: [] }, { version: 2, channel: 'dao-d-v2', allocations: [top] }])[0]!.restNotShown?.why).toBe('not-relayed-yet');
  });

  it('checks the fields of GetAllocation', () => {
    expect(parseAllocations([{ ...relay, extra: 1 }])).toEqual([relay]);
    expect(() => parseAllocations([{ ...relay, lump: 900 }])).toThrow('allocation.lump');
    expect(() => parseAllocations({})).toThrow('not a list');
  });
});

describe('a version’s channel organisations as Fabric’s channel config reports them', () => {
  const answer = { daoId: 'd1', version: 2, channel: 'dao-d1-v2', organisations: ['CVspMSP', 'ADspMSP', 'BVspMSP'], source: 'fabric-channel-config' };

  it('keeps the channel and its organisations (sorted) from the bridge’s answer', () => {
    expect(parseChannel(answer)).toEqual({ daoId: 'd1', version: 2, channel: 'dao-d1-v2', organisations: ['ADspMSP', 'BVspMSP', 'CVspMSP'], source: 'fabric-channel-config' });
  });

  it('refuses an answer that is not Fabric’s config or lacks the organisations (an error on the page, not a cast)', () => {
    expect(() => parseChannel({ ...answer, source: 'chaincode' })).toThrow("Fabric's channel config");
    expect(() => parseChannel({ ...answer, organisations: 'ADspMSP' })).toThrow('organisations');
    expect(() => parseChannel({ ...answer, organisations: ['ADspMSP', 7] })).toThrow(ApiError);
    expect(() => parseChannel({ ...answer, channel: undefined })).toThrow('channel.channel');
    expect(() => parseChannel(null)).toThrow('not an object');
  });

  /** The member client with a fetch that answers `respond` (openapi-fetch takes the global fetch when the client is made). */
  async function withBridge(respond: (request: Request) => Response, run: (api: typeof import('./daos')) => Promise<void>): Promise<string[]> {
    const urls: string[] = [];
    const saved = globalThis.fetch;
    globalThis.fetch = (async (input: Request) => {
      urls.push(input.url);
      return respond(input);
    }) as typeof fetch;
    try {
      await jest.isolateModulesAsync(async () => run(await import('./daos')));
    } finally {
      globalThis.fetch = saved;
    }
    return urls;
  }
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('reads GET /daos/{daoId}/versions/{version}/channel at the member’s own bridge', async () => {
    const urls = await withBridge(
      () => json(200, answer),
      async ({ daosApi }) => {
        await expect(daosApi.channel('d1', 2)).resolves.toMatchObject({ channel: 'dao-d1-v2', organisations: ['ADspMSP', 'BVspMSP', 'CVspMSP'] });
      },
    );
    expect(urls).toEqual(['http://localhost/api/member/daos/d1/versions/2/channel']);
  });

  it('fails with the route’s code and message', async () => {
    await withBridge(
      () => json(404, { code: 'VERSION_NOT_FOUND', message: 'dao-d1-v1 is not followed by this bridge' }),
      async ({ daosApi }) => {
        await expect(daosApi.channel('d1', 1)).rejects.toMatchObject({ name: 'ApiError', status: 404, code: 'VERSION_NOT_FOUND', message: 'dao-d1-v1 is not followed by this bridge' });
      },
    );
  });
});
