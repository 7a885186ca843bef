import { peer } from '@hyperledger/fabric-protos';
import type { Context } from 'fabric-contract-api';
import { DAO, DAO_PRIVATE_COLLECTION, daoRefusalOf } from '@datawell/contracts';
import { split } from '@datawell/domain';
import { DaoContract } from '../dao.contract';
import { DIGEST, DSP, OUTSIDER, START_MS, TERMS, VSP1, VSP2A, VSP2B, acceptances, agreement, daoLedger, ecKeys, initialised, json, linkedPair, signedHeartbeat } from '../fixtures.spec-helper';

const s = JSON.stringify;

/** Like `initialised`, with these terms over the fixture's. */
async function initialisedWith(version: 1 | 2, terms: Record<string, unknown>): Promise<Awaited<ReturnType<typeof initialised>>> {
  const ledger = daoLedger(version, version === 2 ? await initialised(1) : undefined);
  const dao = new DaoContract();
  const a = agreement(version, { terms: { ...TERMS, ...terms } });
  await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(a), acceptances(a)));
  return { ledger, dao };
}

describe('DaoContract revenue and level-by-level allocation', () => {
  const revenue = (revenueId: string, amount: string, kind = 'use') => s({ revenueId, amount, kind });

  it('pays J_i floor(L·(10^6−β_i)/10^6) by weights and relays the rest to the inner channel, exactly as the economics library', async () => {
    const { ledger, dao } = await initialised(2);
    const allocation = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('r-1', '1000003'))));
    // β_2 = 0.75: J2 gets floor(1000003 · 0.25) = 250000, split 2:1 with the remainder to the first.
    expect(allocation).toMatchObject({ level: 2, lump: '1000003', betaPpm: 750_000, levelEnded: false, joiningShare: '250000', rest: '750003', restTo: { channel: 'dao-acme-v1' } });
    expect(allocation['payouts']).toEqual([
      { mspId: VSP2A, amount: '166667' },
      { mspId: VSP2B, amount: '83333' },
    ]);
    const reference = split(1_000_003n, { levels: [{ betaPpm: 600_000 }, { betaPpm: 750_000, weights: [2, 1] }] });
    expect(allocation['payouts'].map((p: { amount: string }) => BigInt(p.amount))).toEqual(reference.vspMembers[1]);
    expect(BigInt(allocation['rest'])).toBe(reference.lumps[0]);
    const event = ledger.lastEvent();
    expect(event?.name).toBe('RevenueRecorded');
    expect(event?.payload).toMatchObject({ revenueId: 'r-1', amount: '1000003', recordedBy: DSP, allocation: { rest: '750003', restTo: { channel: 'dao-acme-v1' } } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetEntitlement(ctx, VSP2A)))).toMatchObject({ mspId: VSP2A, amount: '166667', allocations: 1 });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetEntitlement(ctx, DSP)))).toEqual({ mspId: DSP, amount: '0', allocations: 0, events: [] });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetAllocation(ctx, 'revenue:r-1')))).toEqual(allocation);
  });

  it('chains CH_2 → CH_1 through AllocationReceived with payouts that sum to the revenue, for many amounts', async () => {
    for (const total of [1n, 7n, 999n, 1_000_003n, 123_456_789_012_345_678_901n]) {
      const { top, bottom, revenueOnTop } = await linkedPair();
      const { allocation: a2, relay } = await revenueOnTop('r', total);
      const a1 = json(await bottom.ledger.submit(DSP, (ctx) => bottom.dao.AllocationReceived(ctx, s(relay))));
      expect(a1['restTo']).toEqual({ group: 'D' });
      const paid = [...a2['payouts'], ...a1['payouts']].reduce((sum: bigint, p: { amount: string }) => sum + BigInt(p.amount), 0n);
      expect(paid).toBe(total);
      const reference = split(total, { levels: [{ betaPpm: 600_000 }, { betaPpm: 750_000, weights: [2, 1] }] });
      expect(a1['payouts']).toEqual([
        { mspId: VSP1, amount: reference.vsps[0]?.toString() },
        { mspId: DSP, amount: reference.dsp.toString() },
      ]);
      expect(json(await top.ledger.evaluate(DSP, (ctx) => top.dao.GetAllocationByTx(ctx, relay.sourceTxId)))).toEqual(a2);
    }
  });

  it('applies AllocationReceived once per source transaction: a repeat returns the first allocation and writes nothing', async () => {
    const { bottom, revenueOnTop } = await linkedPair();
    const { ledger, dao } = bottom;
    const { relay } = await revenueOnTop('r1', 1333n); // β_2 = 0.75: J2 gets 333, 1000 passes inward
    expect(relay.amount).toBe('1000');
    const first = await ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s(relay)));
    const before = ledger.dump();
    const events = ledger.events.length;
    const again = await ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s(relay)));
    expect(again).toBe(first);
    expect(ledger.dump()).toEqual(before);
    expect(ledger.events).toHaveLength(events);
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetEntitlement(ctx, VSP1)))).toMatchObject({ mspId: VSP1, amount: '400', allocations: 1 });
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetEntitlement(ctx, DSP)))).toMatchObject({ mspId: DSP, amount: '600', allocations: 1 });
    await expect(ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s({ ...relay, amount: '999' })))).rejects.toThrow(/^CONFLICT: relay dao-acme-v2\/\w+ was received with amount 1000/);
    const { relay: second } = await revenueOnTop('r2', 1333n);
    await ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s(second)));
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetEntitlement(ctx, VSP1)))).toMatchObject({ mspId: VSP1, amount: '800', allocations: 2 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'AllocationReceived', payload: { sourceTxId: second.sourceTxId, amount: '1000' } });
  });

  it('accepts a relay only when the source channel\'s allocation passes exactly that amount here (cross-channel read)', async () => {
    const { bottom, revenueOnTop } = await linkedPair();
    const { relay } = await revenueOnTop('r', 1333n);
    const before = bottom.ledger.dump();
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.AllocationReceived(ctx, s({ ...relay, amount: '5000' })))).rejects.toThrow(/^CONFLICT: the allocation of transaction \w+ on dao-acme-v2 .* passes 1000 to dao-acme-v1, not 5000/);
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.AllocationReceived(ctx, s({ ...relay, sourceTxId: 'forged1' })))).rejects.toThrow(/^NOT_FOUND: no allocation for transaction forged1 on dao-acme-v2.*made no allocation/);
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.AllocationReceived(ctx, s({ ...relay, sourceChaincode: 'other' })))).rejects.toThrow(/^NOT_FOUND: cannot read the allocation/);
    expect(bottom.ledger.dump()).toEqual(before);
  });

  it('accepts relays only from members of D and only from the next channel', async () => {
    const { ledger, dao } = await initialised(1);
    const relay = s({ sourceChannel: 'dao-acme-v2', sourceTxId: 'tx1', amount: '10' });
    await expect(ledger.submit(VSP1, (ctx) => dao.AllocationReceived(ctx, relay))).rejects.toThrow(/^FORBIDDEN: VspOneMSP is not in the founding group D/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.AllocationReceived(ctx, relay))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s({ sourceChannel: 'dao-acme-v3', sourceTxId: 'tx1', amount: '10' })))).rejects.toThrow(/^INVALID_ARGUMENT: relay\.sourceChannel: allocations reach dao-acme-v1 only from dao-acme-v2/);
    await expect(ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s({ sourceChannel: 'dao-acme-v2', sourceTxId: 'tx 1', amount: '10' })))).rejects.toThrow(/^INVALID_ARGUMENT: relay\.sourceTxId/);
    await expect(ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s({ sourceChannel: 'dao-acme-v2', sourceTxId: 'tx1', amount: '0' })))).rejects.toThrow(/^INVALID_ARGUMENT: relay\.amount: must be positive/);
  });

  it('lets revenue and telemetry transactions of one block commit together (no shared hot key, no MVCC conflict)', async () => {
    // Terms that name three recorders, so that several record revenue in one block.
    const { ledger, dao } = await initialisedWith(2, { revenueRecorders: [DSP, VSP1, VSP2B] });
    const keys = ecKeys();
    await ledger.submit(VSP2A, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w', publicKeyPem: keys.publicKeyPem })));
    ledger.timeMs = START_MS + 60_000;
    const results = await ledger.submitBlock([
      { mspId: DSP, fn: (ctx) => dao.RecordRevenue(ctx, revenue('b1', '1000')) },
      { mspId: VSP1, fn: (ctx) => dao.RecordRevenue(ctx, revenue('b2', '2000')) },
      { mspId: DSP, fn: (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 'snap', heartbeats: [signedHeartbeat(keys, 'w', 1, START_MS + 59_000)] })) },
      { mspId: VSP2B, fn: (ctx) => dao.RecordRevenue(ctx, revenue('b3', '3000')) },
    ]);
    expect(results.map((r) => r.code)).toEqual(['VALID', 'VALID', 'VALID', 'VALID']);
    const entitlements = JSON.parse(await ledger.evaluate(DSP, (ctx) => dao.GetEntitlements(ctx))) as { mspId: string; amount: string; allocations: number; events: { allocationId: string; amount: string }[] }[];
    // Each member's entry lists the allocations that paid it, in time order (one block: by id).
    expect(entitlements.find((e) => e.mspId === VSP2B)?.events.map((e) => [e.allocationId, e.amount])).toEqual([['revenue:b1', '83'], ['revenue:b2', '166'], ['revenue:b3', '250']]);
    expect(entitlements.map(({ events: _events, ...total }) => total)).toEqual([
      { mspId: DSP, amount: '0', allocations: 0 },
      { mspId: VSP1, amount: '0', allocations: 0 },
      // J2 gets 250, 500 and 750, each split 2:1 with the remainder to the first: 167+334+500 and 83+166+250.
      { mspId: VSP2A, amount: '1001', allocations: 3 },
      { mspId: VSP2B, amount: '499', allocations: 3 },
    ]);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP2A)))['lastHeartbeatMs']).toBe(START_MS + 59_000);
  });

  it('records revenue only for active members, with valid amounts, the business model and unique ids', async () => {
    const { ledger, dao } = await initialised(2);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.RecordRevenue(ctx, revenue('r', '10')))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
    for (const amount of ['1.5', '-3', '0', '1e6', '010', '']) {
      await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('r', amount)))).rejects.toThrow(/^INVALID_ARGUMENT: revenue\.amount/);
    }
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: 10, kind: 'use' })))).rejects.toThrow(/^INVALID_ARGUMENT: revenue\.amount/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('r', '10', 'subscription-period')))).rejects.toThrow(/^INVALID_ARGUMENT: revenue\.kind: this DAO's business model is pay-per-use/);
    const first = await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('r', '10')));
    const before = ledger.dump();
    expect(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('r', '10')))).toBe(first); // a retry: same allocation, nothing written
    expect(ledger.dump()).toEqual(before);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('r', '11')))).rejects.toThrow(/^CONFLICT: revenue r is already recorded with other content \(amount 10/);
    await expect(ledger.evaluate(DSP, (ctx) => dao.GetAllocation(ctx, 'nonsense'))).rejects.toThrow(/^INVALID_ARGUMENT: allocationId/);
    await expect(ledger.evaluate(DSP, (ctx) => dao.GetAllocation(ctx, 'revenue:none'))).rejects.toThrow(/^NOT_FOUND: no allocation revenue:none/);
  });
});

describe('DaoContract ledger access of the submit path', () => {
  const revenue = (revenueId: string, amount: string, extra: Record<string, unknown> = {}) => s({ revenueId, amount, kind: 'use', ...extra });

  const COUNTED = ['getState', 'putState', 'deleteState', 'getStateByRange', 'getStateByPartialCompositeKey', 'getPrivateData', 'putPrivateData', 'deletePrivateData', 'getPrivateDataByPartialCompositeKey', 'invokeChaincode'];

  /**
   * The transaction context with every shim call counted by name (what becomes a peer round trip).
   * With `batching`, the stub also has the shim's message handler: GET_STATE_MULTIPLE and
   * WRITE_BATCH_STATE messages are decoded with Fabric's protobuf definitions, counted by type and
   * served from the in-memory ledger as a Fabric 3.1 peer does.
   */
  function counted(ctx: Context, calls: string[], batching = false): Context {
    const handler = {
      _askPeerAndListen: async (message: { getType(): number; getPayload_asU8(): Uint8Array; getTxid(): string; getChannelId(): string }, method: string) => {
        expect([message.getTxid(), message.getChannelId()]).toEqual([ctx.stub.getTxID(), ctx.stub.getChannelID()]);
        calls.push(method);
        if (message.getType() === peer.ChaincodeMessage.Type.GET_STATE_MULTIPLE) {
          const request = peer.GetStateMultiple.deserializeBinary(message.getPayload_asU8());
          const result = new peer.GetStateMultipleResult();
          expect(request.getCollection()).toBe(DAO_PRIVATE_COLLECTION);
          result.setValuesList(await Promise.all(request.getKeysList().map((k) => ctx.stub.getPrivateData(request.getCollection(), k))));
          return Buffer.from(result.serializeBinary());
        }
        if (message.getType() === peer.ChaincodeMessage.Type.WRITE_BATCH_STATE) {
          for (const record of peer.WriteBatchState.deserializeBinary(message.getPayload_asU8()).getRecList()) {
            expect(record.getType()).toBe(peer.WriteRecord.Type.PUT_STATE);
            expect(record.getCollection()).toBe(DAO_PRIVATE_COLLECTION);
            await ctx.stub.putPrivateData(record.getCollection(), record.getKey(), record.getValue_asU8());
          }
          return Buffer.alloc(0);
        }
        throw new Error(`unexpected message type ${message.getType()}`);
      },
    };
    const stub = new Proxy(ctx.stub, {
      get(target, name, receiver) {
        if (batching && name === 'handler') return handler;
        if (batching && name === 'channel_id') return target.getChannelID();
        if (batching && name === 'txId') return target.getTxID();
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function' || !COUNTED.includes(String(name))) return value;
        return (...args: unknown[]) => (calls.push(String(name)), (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    return { ...ctx, stub, clientIdentity: ctx.clientIdentity } as Context;
  }

  it('records revenue with two reads and two writes, whatever the number of members, one event and its sealed record', async () => {
    const { ledger, dao } = await initialised(2);
    const calls: string[] = [];
    await ledger.submit(DSP, (ctx) => dao.RecordRevenue(counted(ctx, calls), revenue('count', '1000')));
    expect(calls).toEqual(['getPrivateData', 'getPrivateData', 'putPrivateData', 'putPrivateData', 'putPrivateData']);
    const retry: string[] = [];
    await ledger.submit(DSP, (ctx) => dao.RecordRevenue(counted(ctx, retry), revenue('count', '1000')));
    expect(retry).toEqual(['getPrivateData', 'getPrivateData', 'putPrivateData']);
    const bottom = await linkedPair();
    const { relay } = await bottom.revenueOnTop('rr', '1000');
    const relayed: string[] = [];
    await bottom.bottom.ledger.submit(DSP, (ctx) => bottom.bottom.dao.AllocationReceived(counted(ctx, relayed), s(relay)));
    expect(relayed).toEqual(['getPrivateData', 'getPrivateData', 'invokeChaincode', 'putPrivateData', 'putPrivateData', 'putPrivateData']);
  });

  it('sends the reads as one GET_STATE_MULTIPLE and the writes as one WRITE_BATCH_STATE through the shim, then seals the transaction: three round trips, same state', async () => {
    const batched = await initialised(2);
    const plain = await initialised(2);
    const calls: string[] = [];
    const first = await batched.ledger.submit(DSP, (ctx) => batched.dao.RecordRevenue(counted(ctx, calls, true), revenue('b', '1000003', { reference: 'ü-ref' })), { txId: 'txb' });
    expect(calls).toEqual(['GetStateMultiple', 'WriteBatchState', 'putPrivateData']);
    expect(first).toBe(await plain.ledger.submit(DSP, (ctx) => plain.dao.RecordRevenue(ctx, revenue('b', '1000003', { reference: 'ü-ref' })), { txId: 'txb' }));
    expect(batched.ledger.dump()).toEqual(plain.ledger.dump());
    const retry: string[] = [];
    expect(await batched.ledger.submit(DSP, (ctx) => batched.dao.RecordRevenue(counted(ctx, retry, true), revenue('b', '1000003', { reference: 'ü-ref' })))).toBe(first);
    expect(retry).toEqual(['GetStateMultiple', 'putPrivateData']);
    await expect(batched.ledger.submit(DSP, (ctx) => batched.dao.RecordRevenue(counted(ctx, [], true), revenue('b', '1000004')))).rejects.toThrow(/^CONFLICT: revenue b/);
    await expect(batched.ledger.submit(OUTSIDER, (ctx) => batched.dao.RecordRevenue(counted(ctx, [], true), revenue('c', '1')))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
  });

  it('keeps the revenue details in the allocation record but returns the allocation without them; a retry compares them', async () => {
    const { ledger, dao } = await initialised(1);
    const first = await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('ref', '500', { reference: 'invoice-7' })));
    const stored = json(Object.entries(ledger.dump()).find(([k]) => k.includes('allocation\u0000revenue:ref'))?.[1] ?? '{}');
    expect(stored['revenue']).toEqual({ kind: 'use', reference: 'invoice-7', recordedBy: DSP });
    expect(json(first)).not.toHaveProperty('revenue');
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetAllocation(ctx, 'revenue:ref')))).toEqual(json(first));
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetAllocationByTx(ctx, json(first)['txId'])))).toEqual(json(first));
    expect(ledger.lastEvent()?.payload['allocation']).toEqual(json(first));
    expect(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('ref', '500', { reference: 'invoice-7' })))).toBe(first);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('ref', '500', { reference: 'invoice-8' })))).rejects.toThrow(/^CONFLICT: revenue ref is already recorded with other content \(amount 500, kind use\)/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('ref', '500')))).rejects.toThrow(/^CONFLICT: revenue ref/);
  });

  it('invalidates revenue endorsed against the members a status change of the same block rewrites (MVCC), but not the other way round', async () => {
    const { ledger, dao } = await initialised(2);
    const results = await ledger.submitBlock([
      { mspId: VSP2B, fn: (ctx) => dao.RequestExit(ctx) },
      { mspId: DSP, fn: (ctx) => dao.RecordRevenue(ctx, revenue('m1', '1000')) },
    ]);
    expect(results.map((r) => r.code)).toEqual(['VALID', 'MVCC_READ_CONFLICT']);
    const reversed = await ledger.submitBlock([
      { mspId: DSP, fn: (ctx) => dao.RecordRevenue(ctx, revenue('m2', '1000')) },
      { mspId: VSP2A, fn: (ctx) => dao.RequestExit(ctx) },
    ]);
    expect(reversed.map((r) => r.code)).toEqual(['VALID', 'VALID']);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP2A)))['exitRequestedAtMs']).toBe(START_MS);
  });

});

describe('DaoContract revenue recorders, prices and metering', () => {
  const revenue = (revenueId: string, amount: string) => s({ revenueId, amount, kind: 'use' });
  const job = (jobId: string) => s({ jobId, computation: 'mean', members: [DSP, VSP1], resultDigest: DIGEST });

  it('lets only the members the terms name record revenue: the founding group D when they name none', async () => {
    const { ledger, dao } = await initialised(2);
    const before = ledger.dump();
    for (const msp of [VSP1, VSP2A]) {
      const refused = ledger.submit(msp, (ctx) => dao.RecordRevenue(ctx, revenue('r', '10')));
      await expect(refused).rejects.toThrow(new RegExp(`^FORBIDDEN: NOT_REVENUE_RECORDER: ${msp} is not named by the terms to record revenue \\(the founding group D`));
      expect(daoRefusalOf(String(await refused.catch((e: Error) => e.message)))).toBe('NOT_REVENUE_RECORDER');
    }
    expect(ledger.dump()).toEqual(before);
    await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('r', '10')));
    // A retry by someone else is refused too: the rule is checked before the idempotent answer.
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordRevenue(ctx, revenue('r', '10')))).rejects.toThrow(/^FORBIDDEN: NOT_REVENUE_RECORDER/);

    const named = await initialisedWith(2, { revenueRecorders: [VSP2A] });
    await expect(named.ledger.submit(DSP, (ctx) => named.dao.RecordRevenue(ctx, revenue('r', '10')))).rejects.toThrow(/^FORBIDDEN: NOT_REVENUE_RECORDER: DspMSP is not named by the terms to record revenue \(terms\.revenueRecorders\)/);
    expect(json(await named.ledger.submit(VSP2A, (ctx) => named.dao.RecordRevenue(ctx, revenue('r', '10'))))).toMatchObject({ lump: '10' });
    expect(named.ledger.lastEvent()?.payload).toMatchObject({ recordedBy: VSP2A });
  });

  it('refuses terms whose recorders are not members, prices that do not fit the business model, and revenue ids kept for metering', async () => {
    const ledger = daoLedger(1);
    const dao = new DaoContract();
    const init = (terms: Record<string, unknown>) => {
      const a = agreement(1, { terms: { ...TERMS, ...terms } });
      return ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(a), acceptances(a)));
    };
    await expect(init({ revenueRecorders: [OUTSIDER] })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.revenueRecorders\.0: OutsiderMSP is not a member/);
    await expect(init({ revenueRecorders: [DSP, DSP] })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.revenueRecorders: DspMSP is listed twice/);
    await expect(init({ price: { currency: 'EUR', perPeriod: { amount: '100', periodSeconds: 60 } } })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.price\.perPeriod: a pay-per-use DAO is priced by perComputation/);
    await expect(init({ price: { currency: 'EUR' } })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.price\.perComputation: a pay-per-use DAO's price needs perComputation/);
    await expect(init({ businessModel: 'subscription', price: { currency: 'EUR', perComputation: '5' } })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.price\.perComputation: a subscription DAO is priced by perPeriod/);
    for (const amount of ['0', '1.5', '-1', '01', 12]) {
      await expect(init({ price: { currency: 'EUR', perComputation: amount } })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.price\.perComputation/);
    }
    await expect(init({ price: { currency: 'euro', perComputation: '5' } })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.price\.currency/);
    await init({ price: { currency: 'EUR', perComputation: '250' } });
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('job:x', '10')))).rejects.toThrow(/^INVALID_ARGUMENT: revenue\.revenueId: ids starting with "job:" are those of metered computations/);
  });

  it('meters a recorded computation at the terms\' price on the top channel, once per job, whoever asks', async () => {
    const { ledger, dao } = await initialisedWith(2, { price: { currency: 'EUR', perComputation: '1333' } });
    await expect(ledger.submit(VSP1, (ctx) => dao.MeterComputation(ctx, 'j1'))).rejects.toThrow(/^NOT_FOUND: no computation j1 is recorded on dao-acme-v2/);
    await ledger.submit(VSP1, (ctx) => dao.ComputationCompleted(ctx, job('j1')));
    // The requester (a VSP, not a revenue recorder) meters: the amount is the terms', not its own.
    const metered = json(await ledger.submit(VSP1, (ctx) => dao.MeterComputation(ctx, 'j1')));
    expect(metered).toMatchObject({ jobId: 'j1', metered: true, revenueId: 'job:j1', amount: '1333', currency: 'EUR', allocation: { allocationId: 'revenue:job:j1', lump: '1333', joiningShare: '333', rest: '1000', restTo: { channel: 'dao-acme-v1' } } });
    expect(ledger.lastEvent()).toMatchObject({ name: DAO.event.RevenueRecorded, payload: { revenueId: 'job:j1', amount: '1333', kind: 'use', recordedBy: VSP1, metered: true, jobId: 'j1' } });
    expect(DAO.events.RevenueRecorded.parse(ledger.lastEvent()?.payload)).toMatchObject({ metered: true, jobId: 'j1' });
    // A replay (the coordinator seeing the event again, another member) charges nothing more.
    const before = ledger.dump();
    const events = ledger.events.length;
    expect(json(await ledger.submit(DSP, (ctx) => dao.MeterComputation(ctx, 'j1')))).toEqual(metered);
    expect(ledger.dump()).toEqual(before);
    expect(ledger.events).toHaveLength(events);
    await ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, job('j2')));
    await ledger.submit(DSP, (ctx) => dao.MeterComputation(ctx, 'j2'));
    // Entitlements list each revenue event with the member's payout and the whole split at this level.
    const vsp2a = json(await ledger.evaluate(VSP2A, (ctx) => dao.GetEntitlement(ctx, VSP2A)));
    expect(vsp2a).toMatchObject({ mspId: VSP2A, amount: '444', allocations: 2 });
    expect(vsp2a['events']).toEqual([
      expect.objectContaining({ allocationId: 'revenue:job:j1', source: { kind: 'revenue', revenueId: 'job:j1' }, revenue: { kind: 'use', reference: 'computation j1', recordedBy: VSP1 }, lump: '1333', amount: '222', split: { payouts: [{ mspId: VSP2A, amount: '222' }, { mspId: VSP2B, amount: '111' }], rest: '1000', restTo: { channel: 'dao-acme-v1' } } }),
      expect.objectContaining({ allocationId: 'revenue:job:j2', amount: '222', revenue: { kind: 'use', reference: 'computation j2', recordedBy: DSP } }),
    ]);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.MeterComputation(ctx, 'j1'))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
    await expect(ledger.submit(DSP, (ctx) => dao.MeterComputation(ctx, 'j 1'))).rejects.toThrow(/^INVALID_ARGUMENT: jobId/);
  });

  it('meters a computation of a superseded version on its own channel, at its price, split from its level down', async () => {
    const bottom = await initialisedWith(1, { price: { currency: 'EUR', perComputation: '1000' } });
    const top = await initialised(2, bottom);
    bottom.ledger.link('dao', top.ledger, top.dao);
    // Completed while version 1 was the top, metered after VersionSuperseded (the coordinator's command came late) …
    await bottom.ledger.submit(VSP1, (ctx) => bottom.dao.ComputationCompleted(ctx, job('before')));
    await bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordSuccessor(ctx, '{}'));
    expect(bottom.ledger.lastEvent()?.name).toBe(DAO.event.VersionSuperseded);
    const late = json(await bottom.ledger.submit(VSP1, (ctx) => bottom.dao.MeterComputation(ctx, 'before')));
    expect(late).toMatchObject({ jobId: 'before', metered: true, revenueId: 'job:before', amount: '1000', currency: 'EUR', allocation: { level: 1, lump: '1000', joiningShare: '400', rest: '600', restTo: { group: 'D' } } });
    expect(bottom.ledger.lastEvent()).toMatchObject({ name: DAO.event.RevenueRecorded, payload: { revenueId: 'job:before', metered: true, jobId: 'before', recordedBy: VSP1 } });
    // … and one run on version 1's mesh after it was superseded: metered there too, once.
    await bottom.ledger.submit(DSP, (ctx) => bottom.dao.ComputationCompleted(ctx, job('after')));
    const after = json(await bottom.ledger.submit(DSP, (ctx) => bottom.dao.MeterComputation(ctx, 'after')));
    expect(after).toMatchObject({ metered: true, revenueId: 'job:after', allocation: { level: 1, lump: '1000' } });
    const before = bottom.ledger.dump();
    expect(json(await bottom.ledger.submit(VSP1, (ctx) => bottom.dao.MeterComputation(ctx, 'after')))).toEqual(after);
    expect(bottom.ledger.dump()).toEqual(before);
    // Nothing reaches the top channel, whose members who joined later took no part; revenue recorded by hand still goes there only.
    expect(json(await top.ledger.evaluate(VSP2A, (ctx) => top.dao.GetEntitlement(ctx, VSP2A)))).toMatchObject({ amount: '0' });
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordRevenue(ctx, revenue('by-hand', '10')))).rejects.toThrow(/^CONFLICT: version 1 is superseded/);
  });

  it('meters nothing without a price (earlier agreements) and refuses to meter a subscription DAO', async () => {
    const { ledger, dao } = await initialised(2);
    await ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, job('j1')));
    const before = ledger.dump();
    expect(json(await ledger.submit(DSP, (ctx) => dao.MeterComputation(ctx, 'j1')))).toEqual({ jobId: 'j1', metered: false, reason: 'no-price' });
    expect(ledger.dump()).toEqual(before);
    const sub = await initialisedWith(1, { businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 2_592_000 } } });
    await sub.ledger.submit(DSP, (ctx) => sub.dao.ComputationCompleted(ctx, job('j1')));
    await expect(sub.ledger.submit(DSP, (ctx) => sub.dao.MeterComputation(ctx, 'j1'))).rejects.toThrow(/^INVALID_ARGUMENT: jobId: this DAO's business model is subscription/);
  });

  it('charges each subscription period once it has begun, at the terms\' price, once per period, within the term', async () => {
    const DAY = 86_400_000;
    const sub = await initialisedWith(1, { businessModel: 'subscription', durationDays: 3, price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 86_400 } } });
    const { ledger, dao } = sub;
    // Period 0 begins at the version's creation (START_MS): a VSP may charge it, the amount is the terms'.
    const first = json(await ledger.submit(VSP1, (ctx) => dao.ChargeSubscription(ctx, '0')));
    expect(first).toMatchObject({ period: 0, charged: true, revenueId: 'period:0', amount: '9900', currency: 'EUR', startsAtMs: START_MS, allocation: { lump: '9900', restTo: { group: 'D' }, payouts: [{ mspId: VSP1, amount: '3960' }, { mspId: DSP, amount: '5940' }] } });
    expect(ledger.lastEvent()).toMatchObject({ name: 'RevenueRecorded', payload: { revenueId: 'period:0', kind: 'subscription-period', recordedBy: VSP1, metered: true, period: 0 } });
    const before = ledger.dump();
    expect(json(await ledger.submit(DSP, (ctx) => dao.ChargeSubscription(ctx, '0')))).toEqual(first);
    expect(ledger.dump()).toEqual(before);
    await expect(ledger.submit(DSP, (ctx) => dao.ChargeSubscription(ctx, '1'))).rejects.toThrow(/^CONFLICT: period 1 begins at 2026-01-02T00:00:00.000Z, after this transaction's time/);
    ledger.timeMs = START_MS + DAY;
    expect(json(await ledger.submit(DSP, (ctx) => dao.ChargeSubscription(ctx, '1')))).toMatchObject({ period: 1, charged: true, startsAtMs: START_MS + DAY });
    ledger.timeMs = START_MS + 10 * DAY;
    await expect(ledger.submit(DSP, (ctx) => dao.ChargeSubscription(ctx, '3'))).rejects.toThrow(/^CONFLICT: period 3 would begin at 2026-01-04T00:00:00.000Z, once the term of version 1 has ended/);
    for (const bad of ['-1', '01', '1.5', 'x', '1000000']) await expect(ledger.submit(DSP, (ctx) => dao.ChargeSubscription(ctx, bad))).rejects.toThrow(/^INVALID_ARGUMENT: period/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.ChargeSubscription(ctx, '2'))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'period:7', amount: '1', kind: 'subscription-period' })))).rejects.toThrow(/^INVALID_ARGUMENT: revenue\.revenueId: ids starting with "period:"/);
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetEntitlement(ctx, VSP1)))).toMatchObject({ amount: '7920', allocations: 2 });

    const perUse = await initialised(1);
    await expect(perUse.ledger.submit(DSP, (ctx) => perUse.dao.ChargeSubscription(ctx, '0'))).rejects.toThrow(/^INVALID_ARGUMENT: period: this DAO's business model is pay-per-use/);
    const unpriced = await initialisedWith(1, { businessModel: 'subscription' });
    expect(json(await unpriced.ledger.submit(DSP, (ctx) => unpriced.dao.ChargeSubscription(ctx, '0')))).toEqual({ period: 0, charged: false, reason: 'no-price' });
  });

  describe('one grid of subscription periods across versions', () => {
    const DAY = 86_400_000;
    const subscription = (originMs?: number) => ({ ...TERMS, businessModel: 'subscription', durationDays: 30, price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 86_400, ...(originMs !== undefined ? { originMs } : {}) } } });
    /** Version 1 from START_MS; version 2 created a day and a half later (period 1 in progress), under `terms2`. */
    async function joinedMidPeriod(terms2: Record<string, unknown>) {
      const bottom = { ledger: daoLedger(1), dao: new DaoContract() };
      const a1 = agreement(1, { terms: subscription() });
      await bottom.ledger.submit(DSP, (ctx) => bottom.dao.InitVersion(ctx, s(a1), acceptances(a1)));
      const top = { ledger: daoLedger(2, bottom), dao: new DaoContract() };
      top.ledger.timeMs = START_MS + 1.5 * DAY;
      const a2 = agreement(2, { terms: terms2 });
      await top.ledger.submit(DSP, (ctx) => top.dao.InitVersion(ctx, s(a2), acceptances(a2)));
      bottom.ledger.link('dao', top.ledger, top.dao);
      bottom.ledger.timeMs = top.ledger.timeMs;
      return { bottom, top };
    }

    it('charges each period once, on the version that is top when it begins, also after the successor is recorded', async () => {
      const { bottom, top } = await joinedMidPeriod(subscription(START_MS));
      await bottom.ledger.submit(VSP1, (ctx) => bottom.dao.ChargeSubscription(ctx, '0'));
      await bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordSuccessor(ctx, '{}'));
      expect(bottom.ledger.lastEvent()).toMatchObject({ name: DAO.event.VersionSuperseded, payload: { successorCreatedAtMs: START_MS + 1.5 * DAY } });
      // Period 1 began (START + 1 day) while version 1 was top: charged there, even now that it is superseded …
      expect(json(await bottom.ledger.submit(DSP, (ctx) => bottom.dao.ChargeSubscription(ctx, '1')))).toMatchObject({ period: 1, charged: true, startsAtMs: START_MS + DAY, allocation: { level: 1 } });
      // … and never on version 2, created in its middle.
      await expect(top.ledger.submit(DSP, (ctx) => top.dao.ChargeSubscription(ctx, '1'))).rejects.toThrow(/^CONFLICT: period 1 began at 2026-01-02T00:00:00.000Z, before version 2 was created \(2026-01-02T12:00:00.000Z\)/);
      // Period 2 begins once version 2 exists: version 2's, refused on version 1.
      top.ledger.timeMs = bottom.ledger.timeMs = START_MS + 2 * DAY;
      await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.ChargeSubscription(ctx, '2'))).rejects.toThrow(/^CONFLICT: version 1 is superseded: period 2 begins at 2026-01-03T00:00:00.000Z, when dao-acme-v2 is top/);
      expect(json(await top.ledger.submit(VSP2A, (ctx) => top.dao.ChargeSubscription(ctx, '2')))).toMatchObject({ period: 2, charged: true, amount: '9900', startsAtMs: START_MS + 2 * DAY, allocation: { level: 2 } });
    });

    it('records a successor whose periods do not continue the grid, and says so in VersionSuperseded', async () => {
      const continued = await joinedMidPeriod(subscription(START_MS));
      await continued.bottom.ledger.submit(DSP, (ctx) => continued.bottom.dao.RecordSuccessor(ctx, '{}'));
      expect(continued.bottom.ledger.lastEvent()?.payload).toMatchObject({ periodsContinue: true });
      const own = await joinedMidPeriod(subscription());
      await own.bottom.ledger.submit(DSP, (ctx) => own.bottom.dao.RecordSuccessor(ctx, '{}'));
      expect(own.bottom.ledger.lastEvent()).toMatchObject({ name: DAO.event.VersionSuperseded, payload: { periodsContinue: false, successorCreatedAtMs: START_MS + 1.5 * DAY } });
      const weekly = subscription(START_MS);
      const longer = await joinedMidPeriod({ ...weekly, price: { ...weekly.price, perPeriod: { ...weekly.price.perPeriod, periodSeconds: 7 * 86_400 } } });
      await longer.bottom.ledger.submit(DSP, (ctx) => longer.bottom.dao.RecordSuccessor(ctx, '{}'));
      expect(longer.bottom.ledger.lastEvent()?.payload).toMatchObject({ periodsContinue: false });
      // A pay-per-use successor has no grid to continue.
      const perUse = await joinedMidPeriod({ ...TERMS });
      await perUse.bottom.ledger.submit(DSP, (ctx) => perUse.bottom.dao.RecordSuccessor(ctx, '{}'));
      expect(perUse.bottom.ledger.lastEvent()?.payload).not.toHaveProperty('periodsContinue');
    });
  });
});
