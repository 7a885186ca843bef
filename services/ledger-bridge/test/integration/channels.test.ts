import { ChannelsRepository } from '../../src/channels/channels.repository';
import { scratchDatabase } from './harness';

jest.setTimeout(60_000);

/** The bridge's channels table on PostgreSQL: a channel left is kept, no longer followed, and followed again once registered anew. */
describe('ledger-bridge channels: left and followed', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeAll(async () => {
    db = await scratchDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('records a departure once, keeps the channel listed with why, and follows it again when it is registered anew', async () => {
    const channels = new ChannelsRepository(db.dataSource, db.schema);
    await channels.add({ name: 'dao-acme-v1', chaincodes: ['dao'], actingMspId: 'Vsp2MSP' });
    await channels.add({ name: 'dao-acme-v2', chaincodes: ['dao'], actingMspId: 'Vsp2MSP' });
    expect((await channels.followed()).map((c) => c.name)).toEqual(['dao-acme-v1', 'dao-acme-v2']);

    expect(await channels.markLeft('dao-acme-v2', 'Vsp2MSP transferred its position to NewMSP')).toBe(true);
    // The first record stands.
    expect(await channels.markLeft('dao-acme-v2', 'again')).toBe(false);
    expect(await channels.markLeft('dao-unknown-v1', 'never registered')).toBe(false);
    expect((await channels.followed()).map((c) => c.name)).toEqual(['dao-acme-v1']);
    const left = await channels.get('dao-acme-v2');
    expect(left?.left).toEqual({ atMs: expect.any(Number), reason: 'Vsp2MSP transferred its position to NewMSP' });
    expect(Math.abs(left!.left!.atMs - Date.now())).toBeLessThan(60_000);

    // Seated again (a later transfer back): registered anew, followed again.
    await channels.add({ name: 'dao-acme-v2', chaincodes: ['dao'], actingMspId: 'Vsp2MSP' });
    expect((await channels.get('dao-acme-v2'))?.left).toBeUndefined();
    expect((await channels.followed()).map((c) => c.name)).toEqual(['dao-acme-v1', 'dao-acme-v2']);
  });
});
