import { DAO_PRIVATE_COLLECTION, TRANSIENT_ARGS, TRANSIENT_SALT, sealedTxId } from '@datawell/contracts';
import { DaoContract } from './dao.contract';
import { DSP, OUTSIDER, VSP1, acceptances, agreement, daoLedger, initialised, json } from './fixtures.spec-helper';
import * as membership from './transactions/membership';

const s = JSON.stringify;
const args = (...values: string[]) => ({ [TRANSIENT_ARGS]: Buffer.from(s(values)) });

/**
 * What a block would carry of the dao chaincode's transactions (docs/ledger.md, "Private data"): the
 * orderer sees each transaction's clear arguments, its response, its event and the hashes of its
 * private writes; the members read the rest from their own peers.
 */
describe('DaoContract keeps a DAO private to its channel members', () => {
  it('writes nothing to the public state, and returns and emits only markers naming the transaction', async () => {
    const { ledger, dao } = await initialised(1);
    const allocation = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, ''), { transient: args(s({ revenueId: 'r-1', amount: '777001', kind: 'use' })) }));
    // The members' view (GetTransaction): the allocation and its event, as before.
    expect(allocation['lump']).toBe('777001');
    expect(ledger.lastEvent()?.payload).toMatchObject({ type: 'RevenueRecorded', allocation: { lump: '777001' } });
    // What the block carries: markers, no value.
    expect(ledger.rawResults.length).toBe(2);
    for (const raw of ledger.rawResults) expect(sealedTxId(String(raw))).toMatch(/^tx\d+$/);
    expect(ledger.rawEvents.map((e) => e.payload)).toEqual([
      { type: 'VersionCreated', txId: ledger.rawEvents[0]?.txId, channel: 'dao-acme-v1', sealed: true },
      { type: 'RevenueRecorded', txId: ledger.rawEvents[1]?.txId, channel: 'dao-acme-v1', sealed: true },
    ]);
    // Every key is in the collection; the public state is empty.
    expect([...ledger.state.keys()].every((k) => k.startsWith('\u0001dao-members\u0001'))).toBe(true);
    // Positive control: the amount and β are in the stored (salted) values, and nowhere in the clear.
    const stored = [...ledger.state.values()].map((v) => Buffer.from(v).toString('utf8')).join('\n');
    const clear = s([ledger.rawResults, ledger.rawEvents]);
    for (const planted of ['777001', '600000']) {
      expect(stored).toContain(planted);
      expect(clear).not.toContain(planted);
    }
  });

  it('salts every stored value with the transaction\'s salt: the same value stored twice hashes differently', async () => {
    const one = await initialised(1);
    const two = await initialised(1);
    const a = Buffer.from(one.ledger.state.get(`\u0001${DAO_PRIVATE_COLLECTION}\u0001version`) as Uint8Array).toString('utf8');
    const b = Buffer.from(two.ledger.state.get(`\u0001${DAO_PRIVATE_COLLECTION}\u0001version`) as Uint8Array).toString('utf8');
    expect(JSON.parse(a).v).toEqual(JSON.parse(b).v);
    expect(JSON.parse(a).s).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });

  it('refuses a write without 32 bytes of salt, arguments given both ways, and transient arguments of the wrong shape', async () => {
    const { ledger, dao } = await initialised(1);
    const revenue = s({ revenueId: 'r-2', amount: '5', kind: 'use' });
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue), { transient: { [TRANSIENT_SALT]: Buffer.alloc(8) } })).rejects.toThrow(/^INVALID_ARGUMENT: transient salt: .*32 random bytes/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue), { transient: args(revenue) })).rejects.toThrow(/^INVALID_ARGUMENT: arguments are given both in the clear and in transient data/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, ''), { transient: args(revenue, 'extra') })).rejects.toThrow(/^INVALID_ARGUMENT: transient args: must be an array of 1 string/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, ''), { transient: { [TRANSIENT_ARGS]: Buffer.from('{') } })).rejects.toThrow(/^INVALID_ARGUMENT: transient args: not JSON/);
    await expect(ledger.submit(DSP, (ctx) => dao.CastVote(ctx, '', ''), { transient: args('p-none', 'yes') })).rejects.toThrow(/^NOT_FOUND: no proposal p-none/);
  });

  it('gives a transaction\'s record to members only, and refuses to end a transaction whose event was not sealed', async () => {
    const { ledger, dao } = await initialised(1);
    const txId = ledger.rawEvents[0]?.txId as string;
    const record = json(await ledger.evaluate(VSP1, (ctx) => dao.GetTransaction(ctx, txId)));
    expect(record).toMatchObject({ txId, event: { name: 'VersionCreated', payload: { daoId: 'acme', betaPpm: 600_000 } } });
    expect(json(record['response'])).toMatchObject({ daoId: 'acme', version: 1 });
    await expect(ledger.evaluate(OUTSIDER, (ctx) => dao.GetTransaction(ctx, txId))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
    await expect(ledger.evaluate(DSP, (ctx) => dao.GetTransaction(ctx, 'nosuchtx'))).rejects.toThrow(/^NOT_FOUND: no private record of transaction nosuchtx/);
    // A transaction function run without the contract's sealing: its event would be lost, so the transaction fails.
    await expect(
      ledger.submit(VSP1, async (ctx) => {
        const answer = await membership.requestExit(ctx);
        await new DaoContract().afterTransaction(ctx);
        return answer;
      }),
    ).rejects.toThrow(/emitted an event it did not seal/);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP1)))['exitRequestedAtMs']).toBeUndefined();
  });

  it('takes a join\'s agreement from transient data as from clear arguments', async () => {
    const bottom = await initialised(1);
    const plain = await initialised(2, bottom);
    const ledger = daoLedger(2, bottom);
    const dao = new DaoContract();
    const created = await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, '', ''), { transient: args(s(agreement(2)), acceptances(agreement(2))) });
    expect(json(created)).toMatchObject({ daoId: 'acme', version: 2 });
    expect(ledger.dump()).toEqual(plain.ledger.dump());
    expect(ledger.events.map((e) => e.payload)).toEqual(plain.ledger.events.map((e) => e.payload));
  });
});
