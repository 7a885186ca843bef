import { Context } from 'fabric-contract-api';
import { emitEvent, listJson, readJson, txTimeMs, writeJson } from './ledger';
import { MemoryLedger } from './testing';

describe('MemoryLedger (the unit-test stub)', () => {
  it('commits writes and the event of a transaction that returns, discards those of one that throws', async () => {
    const ledger = new MemoryLedger('ch');
    await ledger.submit('AMSP', async (ctx) => {
      await writeJson(ctx, 'k', { v: 1 });
      emitEvent(ctx, 'Wrote', { v: 1 });
    });
    await expect(
      ledger.submit('AMSP', async (ctx) => {
        await writeJson(ctx, 'k', { v: 2 });
        emitEvent(ctx, 'Wrote', { v: 2 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await ledger.evaluate('AMSP', (ctx) => readJson(ctx, 'k'))).toEqual({ v: 1 });
    expect(ledger.events).toEqual([{ txId: 'tx000001', name: 'Wrote', payload: { channel: 'ch', txId: 'tx000001', type: 'Wrote', v: 1 } }]);
  });

  it('reads committed state only, like Fabric (no read of its own writes)', async () => {
    const ledger = new MemoryLedger('ch');
    const seen = await ledger.submit('AMSP', async (ctx) => {
      await writeJson(ctx, 'k', 1);
      return readJson(ctx, 'k');
    });
    expect(seen).toBeUndefined();
  });

  it('lists composite keys by partial key in order, and gives the transaction time and caller', async () => {
    const ledger = new MemoryLedger('ch');
    ledger.timeMs = 1_700_000_000_123;
    await ledger.submit('AMSP', async (ctx) => {
      for (const id of ['b', 'a', 'c']) await writeJson(ctx, ctx.stub.createCompositeKey('item', ['x', id]), { id });
      await writeJson(ctx, ctx.stub.createCompositeKey('other', ['x']), { id: 'o' });
    });
    const read = async (ctx: Context) => ({ items: await listJson<{ id: string }>(ctx, 'item', ['x']), time: txTimeMs(ctx), msp: ctx.clientIdentity.getMSPID() });
    expect(await ledger.evaluate('BMSP', read)).toEqual({ items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], time: 1_700_000_000_123, msp: 'BMSP' });
  });

  it('validates a block like Fabric: a transaction that read a key written earlier in the block is invalid', async () => {
    const ledger = new MemoryLedger('ch');
    await ledger.submit('AMSP', (ctx) => writeJson(ctx, 'counter', 0));
    const increment = async (ctx: Context) => {
      const n = (await readJson<number>(ctx, 'counter')) ?? 0;
      await writeJson(ctx, 'counter', n + 1);
    };
    const append = (id: string) => async (ctx: Context) => writeJson(ctx, ctx.stub.createCompositeKey('item', [id]), id);
    const count = async (ctx: Context) => writeJson(ctx, 'count', (await listJson(ctx, 'item')).length);
    const results = await ledger.submitBlock([
      { mspId: 'AMSP', fn: increment },
      { mspId: 'BMSP', fn: increment },
      { mspId: 'AMSP', fn: append('x') },
      { mspId: 'AMSP', fn: count },
      { mspId: 'AMSP', fn: async () => Promise.reject(new Error('refused')) },
    ]);
    expect(results.map((r) => r.code)).toEqual(['VALID', 'MVCC_READ_CONFLICT', 'VALID', 'PHANTOM_READ_CONFLICT', 'ENDORSEMENT_FAILURE']);
    expect(await ledger.evaluate('AMSP', (ctx) => readJson(ctx, 'counter'))).toBe(1);
  });
});
