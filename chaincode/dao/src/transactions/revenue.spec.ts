import { peer } from '@hyperledger/fabric-protos';
import type { Context } from 'fabric-contract-api';
import { split } from '@datawell/domain';
import { DSP, OUTSIDER, START_MS, VSP1, VSP2A, VSP2B, ecKeys, initialised, json, linkedPair, signedHeartbeat } from '../fixtures.spec-helper';

const s = JSON.stringify;

describe('DaoContract revenue and level-by-level allocation', () => {
  const revenue = (revenueId: string, amount: string, kind = 'use') => s({ revenueId, amount, kind });

  it('pays J_i floor(L·(10^6−β_i)/10^6) by weights and relays the rest to the inner channel, exactly as the economics library', async () => {
    const { ledger, dao } = await initialised(2);
    const allocation = json(await ledger.submit(VSP1, (ctx) => dao.RecordRevenue(ctx, revenue('r-1', '1000003'))));
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
    expect(event?.payload).toMatchObject({ revenueId: 'r-1', amount: '1000003', recordedBy: VSP1, allocation: { rest: '750003', restTo: { channel: 'dao-acme-v1' } } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetEntitlement(ctx, VSP2A)))).toEqual({ mspId: VSP2A, amount: '166667', allocations: 1 });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetEntitlement(ctx, DSP)))).toEqual({ mspId: DSP, amount: '0', allocations: 0 });
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
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetEntitlement(ctx, VSP1)))).toEqual({ mspId: VSP1, amount: '400', allocations: 1 });
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetEntitlement(ctx, DSP)))).toEqual({ mspId: DSP, amount: '600', allocations: 1 });
    await expect(ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s({ ...relay, amount: '999' })))).rejects.toThrow(/^CONFLICT: relay dao-acme-v2\/\w+ was received with amount 1000/);
    const { relay: second } = await revenueOnTop('r2', 1333n);
    await ledger.submit(DSP, (ctx) => dao.AllocationReceived(ctx, s(second)));
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetEntitlement(ctx, VSP1)))).toEqual({ mspId: VSP1, amount: '800', allocations: 2 });
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
    const { ledger, dao } = await initialised(2);
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
    const entitlements = JSON.parse(await ledger.evaluate(DSP, (ctx) => dao.GetEntitlements(ctx))) as { mspId: string; amount: string; allocations: number }[];
    expect(entitlements).toEqual([
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
    expect(await ledger.submit(VSP1, (ctx) => dao.RecordRevenue(ctx, revenue('r', '10')))).toBe(first); // a retry: same allocation, nothing written
    expect(ledger.dump()).toEqual(before);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('r', '11')))).rejects.toThrow(/^CONFLICT: revenue r is already recorded with other content \(amount 10/);
    await expect(ledger.evaluate(DSP, (ctx) => dao.GetAllocation(ctx, 'nonsense'))).rejects.toThrow(/^INVALID_ARGUMENT: allocationId/);
    await expect(ledger.evaluate(DSP, (ctx) => dao.GetAllocation(ctx, 'revenue:none'))).rejects.toThrow(/^NOT_FOUND: no allocation revenue:none/);
  });
});

describe('DaoContract ledger access of the submit path', () => {
  const revenue = (revenueId: string, amount: string, extra: Record<string, unknown> = {}) => s({ revenueId, amount, kind: 'use', ...extra });

  const COUNTED = ['getState', 'putState', 'deleteState', 'getStateByRange', 'getStateByPartialCompositeKey', 'invokeChaincode'];

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
          result.setValuesList(await Promise.all(request.getKeysList().map((k) => ctx.stub.getState(k))));
          return Buffer.from(result.serializeBinary());
        }
        if (message.getType() === peer.ChaincodeMessage.Type.WRITE_BATCH_STATE) {
          for (const record of peer.WriteBatchState.deserializeBinary(message.getPayload_asU8()).getRecList()) {
            expect(record.getType()).toBe(peer.WriteRecord.Type.PUT_STATE);
            await ctx.stub.putState(record.getKey(), record.getValue_asU8());
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

  it('records revenue with two reads and two writes, whatever the number of members, and one event', async () => {
    const { ledger, dao } = await initialised(2);
    const calls: string[] = [];
    await ledger.submit(DSP, (ctx) => dao.RecordRevenue(counted(ctx, calls), revenue('count', '1000')));
    expect(calls).toEqual(['getState', 'getState', 'putState', 'putState']);
    const retry: string[] = [];
    await ledger.submit(VSP1, (ctx) => dao.RecordRevenue(counted(ctx, retry), revenue('count', '1000')));
    expect(retry).toEqual(['getState', 'getState']);
    const bottom = await linkedPair();
    const { relay } = await bottom.revenueOnTop('rr', '1000');
    const relayed: string[] = [];
    await bottom.bottom.ledger.submit(DSP, (ctx) => bottom.bottom.dao.AllocationReceived(counted(ctx, relayed), s(relay)));
    expect(relayed).toEqual(['getState', 'getState', 'invokeChaincode', 'putState', 'putState']);
  });

  it('sends the reads as one GET_STATE_MULTIPLE and the writes as one WRITE_BATCH_STATE through the shim: two round trips, same state', async () => {
    const batched = await initialised(2);
    const plain = await initialised(2);
    const calls: string[] = [];
    const first = await batched.ledger.submit(DSP, (ctx) => batched.dao.RecordRevenue(counted(ctx, calls, true), revenue('b', '1000003', { reference: 'ü-ref' })), { txId: 'tx-b' });
    expect(calls).toEqual(['GetStateMultiple', 'WriteBatchState']);
    expect(first).toBe(await plain.ledger.submit(DSP, (ctx) => plain.dao.RecordRevenue(ctx, revenue('b', '1000003', { reference: 'ü-ref' })), { txId: 'tx-b' }));
    expect(batched.ledger.dump()).toEqual(plain.ledger.dump());
    const retry: string[] = [];
    expect(await batched.ledger.submit(VSP1, (ctx) => batched.dao.RecordRevenue(counted(ctx, retry, true), revenue('b', '1000003', { reference: 'ü-ref' })))).toBe(first);
    expect(retry).toEqual(['GetStateMultiple']);
    await expect(batched.ledger.submit(VSP1, (ctx) => batched.dao.RecordRevenue(counted(ctx, [], true), revenue('b', '1000004')))).rejects.toThrow(/^CONFLICT: revenue b/);
    await expect(batched.ledger.submit(OUTSIDER, (ctx) => batched.dao.RecordRevenue(counted(ctx, [], true), revenue('c', '1')))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
  });

  it('keeps the revenue details in the allocation record but returns the allocation without them; a retry compares them', async () => {
    const { ledger, dao } = await initialised(1);
    const first = await ledger.submit(VSP1, (ctx) => dao.RecordRevenue(ctx, revenue('ref', '500', { reference: 'invoice-7' })));
    const stored = json(Object.entries(ledger.dump()).find(([k]) => k.includes('allocation\u0000revenue:ref'))?.[1] ?? '{}');
    expect(stored['revenue']).toEqual({ kind: 'use', reference: 'invoice-7', recordedBy: VSP1 });
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
