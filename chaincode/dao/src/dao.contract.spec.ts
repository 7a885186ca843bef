import { MemoryLedger } from '@datawell/chaincode-common';
import { peer } from '@hyperledger/fabric-protos';
import type { Context } from 'fabric-contract-api';
import { split } from '@datawell/domain';
import { DaoContract } from './dao.contract';
import { DIGEST, DSP, INFRA, OUTSIDER, START_MS, TERMS, VSP1, VSP2A, VSP2B, agreement, ecKeys, edKeys, initialised, json, linkedPair, signedHeartbeat } from './fixtures.spec-helper';

const s = JSON.stringify;

describe('DaoContract InitVersion', () => {
  it('creates the version from the agreement, with one VersionCreated event carrying the infrastructure request', async () => {
    const { ledger, dao } = await initialised(2);
    const event = ledger.lastEvent();
    expect(event?.name).toBe('VersionCreated');
    expect(event?.payload).toMatchObject({ type: 'VersionCreated', daoId: 'acme', version: 2, betaPpm: 750_000, channel: 'dao-acme-v2', infrastructureRequested: { revision: 1, spec: INFRA } });
    const version = json(await ledger.evaluate(VSP2B, (ctx) => dao.GetVersion(ctx)));
    expect(version).toMatchObject({ status: 'active', members: [DSP, VSP1, VSP2A, VSP2B], infrastructureStatus: 'requested', createdAtMs: START_MS });
    expect(version['memberStates'].map((m: { group: string; status: string }) => `${m.group}:${m.status}`)).toEqual(['D:active', 'J1:active', 'J2:active', 'J2:active']);
    expect(version['agreementDigest']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('admits only a member of the founding group D as the caller', async () => {
    for (const caller of [VSP1, OUTSIDER]) {
      const ledger = new MemoryLedger('dao-acme-v1');
      await expect(ledger.submit(caller, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(1))))).rejects.toThrow(/^FORBIDDEN: /);
    }
  });

  it('returns the version for a retried InitVersion of the same agreement (no write, no event) and refuses another agreement', async () => {
    const { ledger, dao } = await initialised(1);
    const before = ledger.dump();
    const again = json(await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(agreement(1)))));
    expect(again).toMatchObject({ agreementId: 'agr-1', createdAtMs: START_MS });
    expect(ledger.dump()).toEqual(before);
    expect(ledger.events).toHaveLength(1);
    await expect(ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(agreement(1, { betaPpm: 500_000 }))))).rejects.toThrow(/^CONFLICT: channel dao-acme-v1 already holds a DAO version \(agreement agr-1\)/);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['the wrong channel', { version: 2 }, /belongs on channel dao-acme-v2, not dao-acme-v1/],
    ['β of 0', { betaPpm: 0 }, /agreement\.betaPpm: must be above 0 ppm/],
    ['β of 10^6', { betaPpm: 1_000_000 }, /agreement\.betaPpm: must be below 10\^6 ppm/],
    ['a fractional β', { betaPpm: 600_000.5 }, /agreement\.betaPpm: must be an integer/],
    ['an upper-case DAO id', { daoId: 'Acme' }, /agreement\.daoId/],
    ['ownership not summing to 10^6', { members: [{ mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 700_000 }, { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 }] }, /ownershipPpm sums to 900000/],
    ['a missing joining group', { members: [{ mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 1_000_000 }, { mspId: 'XMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 0 }] }, /group J1 has no member/],
    ['a group beyond the version', { members: [{ mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500_000 }, { mspId: VSP1, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 500_000 }] }, /J2 has not joined by version 1/],
    ['a VSP in group D', { members: [{ mspId: DSP, group: 'D', role: 'VSP', weight: 1, ownershipPpm: 500_000 }, { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 500_000 }] }, /members of group D are DSPs/],
    ['a member listed twice', { members: [{ mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500_000 }, { mspId: DSP, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 500_000 }] }, /DspMSP is listed twice/],
    ['a zero weight', { members: [{ mspId: DSP, group: 'D', role: 'DSP', weight: 0, ownershipPpm: 500_000 }, { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 500_000 }] }, /members\.0\.weight: must be at least 1/],
    ['abandon-after shorter than the heartbeat', { terms: { ...TERMS, abandonAfterSeconds: 30 } }, /terms\.abandonAfterSeconds: must be at least heartbeatIntervalSeconds/],
    ['an unknown business model', { terms: { ...TERMS, businessModel: 'barter' } }, /terms\.businessModel/],
    ['a result recipient who is not a member', { terms: { ...TERMS, computations: [{ name: 'mean', resultRecipients: [OUTSIDER] }] } }, /OutsiderMSP is not a member/],
    ['a workload owned by a non-member', { infrastructure: { workloads: [{ name: 'w', owner: OUTSIDER, placement: 'managed', kind: 'x' }] } }, /workloads\.0\.owner: OutsiderMSP is not a member/],
    ['a float in the infrastructure', { infrastructure: { workloads: [{ name: 'w', owner: DSP, placement: 'managed', kind: 'x', parameters: { cpu: 0.5 } }] } }, /agreement\.infrastructure/],
    ['a bad document digest', { documentDigest: 'xyz' }, /documentDigest: must be a SHA-256 digest/],
    ['an unknown field', { extra: 1 }, /INVALID_ARGUMENT: agreement/],
  ];
  it.each(bad)('refuses an agreement with %s (INVALID_ARGUMENT, nothing written)', async (_what, overrides, message) => {
    const ledger = new MemoryLedger('dao-acme-v1');
    await expect(ledger.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(1, overrides))))).rejects.toThrow(message);
    await expect(ledger.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(1, overrides))))).rejects.toThrow(/^INVALID_ARGUMENT: /);
    expect(ledger.state.size).toBe(0);
    expect(ledger.events).toHaveLength(0);
  });

  it('refuses malformed JSON', async () => {
    const ledger = new MemoryLedger('dao-acme-v1');
    await expect(ledger.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, '{'))).rejects.toThrow('INVALID_ARGUMENT: agreement is not valid JSON');
  });

  it('writes the same state bytes whatever the key order of the input (deterministic JSON)', async () => {
    const reversed = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reversed) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)])) : value;
    const one = new MemoryLedger('dao-acme-v2');
    const two = new MemoryLedger('dao-acme-v2');
    await one.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(2))));
    await two.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(reversed(agreement(2)))));
    expect(s(reversed(agreement(2)))).not.toBe(s(agreement(2)));
    expect(two.dump()).toEqual(one.dump());
    expect(Buffer.from(two.state.get('version') as Uint8Array).equals(Buffer.from(one.state.get('version') as Uint8Array))).toBe(true);
    expect(two.events[0]?.payload).toEqual(one.events[0]?.payload);
  });

  it('refuses every read and write to an MSP that is not a member of the version (FORBIDDEN)', async () => {
    const { ledger, dao } = await initialised(1);
    const reads: [string, (ctx: Parameters<DaoContract['GetVersion']>[0]) => Promise<string>][] = [
      ['GetVersion', (ctx) => dao.GetVersion(ctx)],
      ['GetMember', (ctx) => dao.GetMember(ctx, DSP)],
      ['GetAllocation', (ctx) => dao.GetAllocation(ctx, 'revenue:r')],
      ['GetAllocationByTx', (ctx) => dao.GetAllocationByTx(ctx, 'tx1')],
      ['GetEntitlements', (ctx) => dao.GetEntitlements(ctx)],
      ['GetEntitlement', (ctx) => dao.GetEntitlement(ctx, DSP)],
      ['GetWorkload', (ctx) => dao.GetWorkload(ctx, 'w')],
      ['GetProposal', (ctx) => dao.GetProposal(ctx, 'p')],
    ];
    for (const [name, read] of reads) {
      await expect(ledger.evaluate(OUTSIDER, read).catch((e: Error) => Promise.reject(new Error(`${name}: ${e.message}`)))).rejects.toThrow(new RegExp(`^${name}: FORBIDDEN: OutsiderMSP is not a member`));
    }
    const writes: ((ctx: Parameters<DaoContract['GetVersion']>[0]) => Promise<string>)[] = [
      (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '1', kind: 'use' })),
      (ctx) => dao.AllocationReceived(ctx, s({ sourceChannel: 'dao-acme-v2', sourceTxId: 't', amount: '1' })),
      (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w', publicKeyPem: ecKeys().publicKeyPem })),
      (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [signedHeartbeat(ecKeys(), 'w', 1, START_MS)] })),
      (ctx) => dao.EvaluateAbandonment(ctx, VSP1),
      (ctx) => dao.RequestExit(ctx),
      (ctx) => dao.CompleteExit(ctx, VSP1),
      (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' })),
      (ctx) => dao.CastVote(ctx, 'p', 'yes'),
      (ctx) => dao.ComputationCompleted(ctx, s({ jobId: 'j', computation: 'mean', members: [DSP], resultDigest: DIGEST })),
      (ctx) => dao.InfrastructureProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })),
      (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: 'x' })),
      (ctx) => dao.RecordSuccessor(ctx, '{}'),
    ];
    for (const write of writes) await expect(ledger.submit(OUTSIDER, write)).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member of this DAO version/);
    await expect(ledger.submit(VSP1, (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: 'x' })))).rejects.toThrow(/^FORBIDDEN: VspOneMSP is not in the founding group D/);
    expect(ledger.events).toHaveLength(1);
  });

  it('lets only members read the version', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.evaluate(OUTSIDER, (ctx) => dao.GetVersion(ctx))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
    await expect(ledger.evaluate(OUTSIDER, (ctx) => dao.GetEntitlements(ctx))).rejects.toThrow(/^FORBIDDEN/);
    const empty = new MemoryLedger('dao-acme-v9');
    await expect(empty.evaluate(DSP, (ctx) => new DaoContract().GetVersion(ctx))).rejects.toThrow(/^NOT_FOUND: no DAO version on channel dao-acme-v9/);
  });
});

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

  it('records the successor version after reading it on its channel; revenue then goes to the top channel only', async () => {
    const { top, bottom, revenueOnTop } = await linkedPair();
    await expect(bottom.ledger.submit(VSP1, (ctx) => bottom.dao.RecordSuccessor(ctx, '{}'))).rejects.toThrow(/^FORBIDDEN: VspOneMSP is not in the founding group D/);
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordSuccessor(ctx, s({ chaincode: 'Bad Name' })))).rejects.toThrow(/^INVALID_ARGUMENT: successor\.chaincode/);
    await bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordRevenue(ctx, s({ revenueId: 'before', amount: '10', kind: 'use' })));
    expect(json(await bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordSuccessor(ctx, '{}')))).toMatchObject({ successorChannel: 'dao-acme-v2' });
    expect(bottom.ledger.lastEvent()).toMatchObject({ name: 'VersionSuperseded', payload: { daoId: 'acme', version: 1, successorChannel: 'dao-acme-v2', successorAgreementId: 'agr-2' } });
    const events = bottom.ledger.events.length;
    await bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordSuccessor(ctx, '{}'));
    expect(bottom.ledger.events).toHaveLength(events);
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordRevenue(ctx, s({ revenueId: 'after', amount: '10', kind: 'use' })))).rejects.toThrow(/^CONFLICT: version 1 is superseded: record revenue on the top channel \(dao-acme-v2/);
    // A retry of revenue recorded before still answers; relays from the top keep flowing.
    await bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordRevenue(ctx, s({ revenueId: 'before', amount: '10', kind: 'use' })));
    const { relay } = await revenueOnTop('r', 1333n);
    await bottom.ledger.submit(DSP, (ctx) => bottom.dao.AllocationReceived(ctx, s(relay)));
    expect(top.ledger.lastEvent()?.name).toBe('RevenueRecorded');
  });

  it('refuses a successor that is missing or does not carry this version\'s members in their groups', async () => {
    const bottom = await initialised(1);
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordSuccessor(ctx, '{}'))).rejects.toThrow(/^NOT_FOUND: cannot read version 2 on dao-acme-v2/);
    const stranger = new MemoryLedger('dao-acme-v2');
    const members = [
      { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500_000 },
      { mspId: 'OtherMSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
      { mspId: VSP1, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
    ];
    const contract = new DaoContract();
    await stranger.submit(DSP, (ctx) => contract.InitVersion(ctx, s(agreement(2, { members, terms: { ...TERMS, computations: [] }, infrastructure: { workloads: [{ name: 'w', owner: DSP, placement: 'managed', kind: 'k' }] } }))));
    bottom.ledger.link('dao', stranger, contract);
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordSuccessor(ctx, '{}'))).rejects.toThrow(/^CONFLICT: VspOneMSP \(group J1\) is not in group J1 of version 2/);
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

describe('DaoContract workloads and signed telemetry', () => {
  it('registers workloads with P-256 or Ed25519 keys of the calling member, and refuses other keys, duplicates and outsiders', async () => {
    const { ledger, dao } = await initialised(1);
    const ec = ecKeys();
    const w = json(await ledger.submit(VSP1, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-ec', publicKeyPem: ec.publicKeyPem }))));
    expect(w).toMatchObject({ workloadId: 'w-ec', owner: VSP1, keyType: 'ec-p256' });
    expect(ledger.lastEvent()).toMatchObject({ name: 'WorkloadRegistered', payload: { workloadId: 'w-ec', owner: VSP1, keyType: 'ec-p256', publicKeyPem: ec.publicKeyPem, daoId: 'acme', version: 1 } });
    expect(json(await ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-ed', publicKeyPem: edKeys().publicKeyPem }))))['keyType']).toBe('ed25519');
    await expect(ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-ec', publicKeyPem: ec.publicKeyPem })))).rejects.toThrow(/^CONFLICT: workload w-ec/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-x', publicKeyPem: ec.publicKeyPem })))).rejects.toThrow(/^FORBIDDEN/);
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-rsa', publicKeyPem: rsa })))).rejects.toThrow(/^INVALID_ARGUMENT: workload\.publicKeyPem: rsa keys are not accepted/);
    const secp = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-k1', publicKeyPem: secp })))).rejects.toThrow(/ec keys are not accepted/);
    await expect(ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-bad', publicKeyPem: 'hello' })))).rejects.toThrow(/^INVALID_ARGUMENT: workload\.publicKeyPem: must be a PEM public key/);
  });

  async function withWorkloads() {
    const setup = await initialised(1);
    const ec = ecKeys();
    const ed = edKeys();
    await setup.ledger.submit(VSP1, (ctx) => setup.dao.RegisterWorkload(ctx, s({ workloadId: 'w-vsp', publicKeyPem: ec.publicKeyPem })));
    await setup.ledger.submit(DSP, (ctx) => setup.dao.RegisterWorkload(ctx, s({ workloadId: 'w-dsp', publicKeyPem: ed.publicKeyPem })));
    return { ...setup, ec, ed };
  }

  it('verifies every signature and records the latest heartbeat per workload and member', async () => {
    const { ledger, dao, ec, ed } = await withWorkloads();
    ledger.timeMs = START_MS + 120_000;
    const snapshot = { snapshotId: 'snap-1', heartbeats: [signedHeartbeat(ec, 'w-vsp', 1, START_MS + 60_000), signedHeartbeat(ec, 'w-vsp', 2, START_MS + 90_000), signedHeartbeat(ed, 'w-dsp', 7, START_MS + 100_000)] };
    await ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s(snapshot)));
    expect(ledger.lastEvent()).toMatchObject({ name: 'TelemetryRecorded', payload: { snapshotId: 'snap-1', heartbeats: 3, recordedBy: DSP } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetWorkload(ctx, 'w-vsp')))).toMatchObject({ lastSeq: 2, lastHeartbeatMs: START_MS + 90_000 });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP1)))).toMatchObject({ lastHeartbeatMs: START_MS + 90_000 });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, DSP)))).toMatchObject({ lastHeartbeatMs: START_MS + 100_000 });
  });

  it('rejects the whole snapshot for one tampered, unknown, replayed or future heartbeat, writing nothing', async () => {
    const { ledger, dao, ec } = await withWorkloads();
    ledger.timeMs = START_MS + 120_000;
    const good = signedHeartbeat(ec, 'w-vsp', 1, START_MS + 60_000);
    const tampered = { ...signedHeartbeat(ec, 'w-vsp', 2, START_MS + 61_000), metrics: { cpuMillis: 9999 } };
    const before = ledger.dump();
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [good, tampered] })))).rejects.toThrow(
      /^INVALID_ARGUMENT: snapshot\.heartbeats\.1: signature does not verify with the key of workload w-vsp/,
    );
    const wrongKey = { ...signedHeartbeat(ecKeys(), 'w-vsp', 3, START_MS) };
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [wrongKey] })))).rejects.toThrow(/signature does not verify/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [good, signedHeartbeat(ec, 'w-ghost', 1, START_MS)] })))).rejects.toThrow(
      /^NOT_FOUND: snapshot\.heartbeats\.1: unknown workload w-ghost/,
    );
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [signedHeartbeat(ec, 'w-vsp', 1, START_MS + 20 * 60_000)] })))).rejects.toThrow(
      /^INVALID_ARGUMENT: .*is ahead of the transaction time/,
    );
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [{ ...good, seq: 1.5 }] })))).rejects.toThrow(/^INVALID_ARGUMENT: snapshot\.heartbeats\.0\.seq/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [] })))).rejects.toThrow(/needs at least one heartbeat/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [good] })))).rejects.toThrow(/^FORBIDDEN/);
    expect(ledger.dump()).toEqual(before);
    await ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's1', heartbeats: [good] })));
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's2', heartbeats: [good] })))).rejects.toThrow(/^CONFLICT: snapshot\.heartbeats\.0: seq 1 of workload w-vsp is not after 1/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's1', heartbeats: [signedHeartbeat(ec, 'w-vsp', 5, START_MS)] })))).rejects.toThrow(/^CONFLICT: snapshot s1/);
  });
});

describe('DaoContract abandonment from recorded heartbeats and the transaction time', () => {
  async function heartbeatAt(ledger: MemoryLedger, dao: DaoContract, keys: ReturnType<typeof ecKeys>, workloadId: string, seq: number, atMs: number) {
    ledger.timeMs = atMs;
    await ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: `snap-${workloadId}-${seq}`, heartbeats: [signedHeartbeat(keys, workloadId, seq, atMs)] })));
  }

  it('keeps a member whose last heartbeat is within abandon-after of the transaction time, and abandons it after', async () => {
    const { ledger, dao } = await initialised(2);
    const keys = ecKeys();
    await ledger.submit(VSP2A, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w2a', publicKeyPem: keys.publicKeyPem })));
    await heartbeatAt(ledger, dao, keys, 'w2a', 1, START_MS + 1_000_000);
    const deadline = START_MS + 1_000_000 + 600_000;
    ledger.timeMs = deadline; // exactly at the deadline: still alive
    expect(json(await ledger.submit(VSP1, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A)))).toMatchObject({ abandoned: false, deadlineMs: deadline });
    expect(ledger.lastEvent()?.name).toBe('TelemetryRecorded');
    ledger.timeMs = deadline + 1;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A)))).toMatchObject({ abandoned: true, deadlineMs: deadline, levelEnded: false, dissolved: false });
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberAbandoned', payload: { mspId: VSP2A, group: 'J2', lastHeartbeatMs: START_MS + 1_000_000, decidedAtMs: deadline + 1 } });
    await expect(ledger.submit(VSP1, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A))).rejects.toThrow(/^CONFLICT: VspTwoAMSP is already abandoned/);
    // The abandoned member is out: it may not act any more.
    await expect(ledger.submit(VSP2A, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '10', kind: 'use' })))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP is abandoned/);
  });

  it('measures a member with no heartbeat from the version creation', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS + 600_000;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP1)))['abandoned']).toBe(false);
    ledger.timeMs = START_MS + 600_001;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP1)))['abandoned']).toBe(true);
  });

  it('sends a wholly abandoned level inward (β = 10^6) and splits a partly abandoned group among its active members', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS + 700_000;
    await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP2B));
    const partial = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r1', amount: '1000', kind: 'use' }))));
    expect(partial).toMatchObject({ betaPpm: 750_000, levelEnded: false, joiningShare: '250', rest: '750', payouts: [{ mspId: VSP2A, amount: '250' }] });
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A)))['levelEnded']).toBe(true);
    const ended = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r2', amount: '1000', kind: 'use' }))));
    expect(ended).toMatchObject({ betaPpm: 1_000_000, levelEnded: true, joiningShare: '0', rest: '1000', restTo: { channel: 'dao-acme-v1' }, payouts: [] });
  });

  it('dissolves the DAO when a DSP abandons: no more revenue', async () => {
    const { ledger, dao } = await initialised(1);
    ledger.timeMs = START_MS + 3_600_000;
    const result = json(await ledger.submit(VSP1, (ctx) => dao.EvaluateAbandonment(ctx, DSP)));
    expect(result).toMatchObject({ abandoned: true, dissolved: true });
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetVersion(ctx)))).toMatchObject({ status: 'dissolved', dissolvedReason: 'founding member DspMSP abandoned' });
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '10', kind: 'use' })))).rejects.toThrow(/^CONFLICT: DAO acme is dissolved/);
  });

  it('checks the caller and the argument', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.EvaluateAbandonment(ctx, VSP1))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, 'not an msp'))).rejects.toThrow(/^INVALID_ARGUMENT: mspId/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, OUTSIDER))).rejects.toThrow(/^NOT_FOUND: OutsiderMSP is not a member/);
  });
});

describe('DaoContract proposals and ownership-weighted votes', () => {
  const newTerms = { ...TERMS, abandonAfterSeconds: 1200 };

  it('accepts when yes-weight passes half of the ownership, and applies the change', async () => {
    const { ledger, dao } = await initialised(2);
    await ledger.submit(VSP2B, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p1', kind: 'change-terms', payload: newTerms, description: 'longer abandon-after' })));
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalCreated', payload: { proposalId: 'p1', kind: 'change-terms', proposer: VSP2B } });
    // D holds exactly 50 %: not more than half, still open.
    expect(json(await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p1', 'yes')))).toMatchObject({ status: 'open', yesPpm: 500_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'VoteCast', payload: { vote: { mspId: DSP, choice: 'yes', weightPpm: 500_000 } } });
    await expect(ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p1', 'yes'))).rejects.toThrow(/^CONFLICT: DspMSP has already voted on proposal p1/);
    expect(json(await ledger.submit(VSP2B, (ctx) => dao.CastVote(ctx, 'p1', 'yes')))).toMatchObject({ status: 'accepted', yesPpm: 600_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalDecided', payload: { outcome: 'accepted', effect: { terms: newTerms } } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['terms']['abandonAfterSeconds']).toBe(1200);
    await expect(ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'p1', 'no'))).rejects.toThrow(/^CONFLICT: proposal p1 is already accepted/);
    const read = json(await ledger.evaluate(VSP1, (ctx) => dao.GetProposal(ctx, 'p1')));
    expect(read['votes'].map((v: { mspId: string }) => v.mspId).sort()).toEqual([DSP, VSP2B].sort());
  });

  it('rejects when no-weight reaches half', async () => {
    const { ledger, dao } = await initialised(2);
    await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p2', kind: 'dissolve' })));
    expect(json(await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p2', 'no')))).toMatchObject({ status: 'rejected', noPpm: 500_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalDecided', payload: { outcome: 'rejected' } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['status']).toBe('active');
  });

  it('dissolves, requests new infrastructure and records admissions when accepted', async () => {
    const { ledger, dao } = await initialised(1);
    const infra = { workloads: [{ name: 'bigger', owner: DSP, placement: 'managed', kind: 'mpc-node' }] };
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'infra', kind: 'change-infrastructure', payload: infra })));
    await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'infra', 'yes'));
    expect(ledger.lastEvent()?.payload).toMatchObject({ outcome: 'accepted', effect: { infrastructureRequested: { revision: 2, spec: infra } } });
    await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'admit', kind: 'admit-member', payload: { mspId: 'NewVspMSP', role: 'VSP', name: 'New VSP' } })));
    await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'admit', 'yes'));
    expect(ledger.lastEvent()?.payload).toMatchObject({ effect: { admit: { mspId: 'NewVspMSP' }, nextChannel: 'dao-acme-v2' } });
    await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'end', kind: 'dissolve' })));
    await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'end', 'yes'));
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))).toMatchObject({ status: 'dissolved', infrastructureRevision: 2 });
  });

  it('validates proposals and votes and checks the caller', async () => {
    const { ledger, dao } = await initialised(2);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'dissolve' })))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'merge' })))).rejects.toThrow(/^INVALID_ARGUMENT: proposal/);
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'change-terms', payload: { ...TERMS, heartbeatIntervalSeconds: 0 } })))).rejects.toThrow(
      /^INVALID_ARGUMENT: proposal\.payload\.heartbeatIntervalSeconds/,
    );
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'admit-member', payload: { mspId: VSP1, role: 'VSP', name: 'again' } })))).rejects.toThrow(/^CONFLICT: VspOneMSP is already a member/);
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'dissolve' })));
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'dissolve' })))).rejects.toThrow(/^CONFLICT: proposal x exists/);
    await expect(ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'x', 'maybe'))).rejects.toThrow(/^INVALID_ARGUMENT: choice/);
    await expect(ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'nope', 'yes'))).rejects.toThrow(/^NOT_FOUND: no proposal nope/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.CastVote(ctx, 'x', 'yes'))).rejects.toThrow(/^FORBIDDEN/);
  });

  it('counts only active members: after an abandonment the majority is of the remaining ownership', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS + 700_000;
    await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A)); // 20 % leaves; 80 % remain
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'change-terms', payload: newTerms })));
    await expect(ledger.submit(VSP2A, (ctx) => dao.CastVote(ctx, 'p', 'no'))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP is abandoned/);
    // 50 % of 80 % active is more than half.
    expect(json(await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p', 'yes')))['status']).toBe('accepted');
  });
});

describe('DaoContract voluntary exit with notice', () => {
  it('completes an exit only after the notice, measured in transaction time; the level then passes inward', async () => {
    const { ledger, dao } = await initialised(1);
    ledger.timeMs = START_MS + 10_000;
    const requested = json(await ledger.submit(VSP1, (ctx) => dao.RequestExit(ctx)));
    expect(requested).toMatchObject({ exitRequestedAtMs: START_MS + 10_000, exitEffectiveAtMs: START_MS + 10_000 + 3_600_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ExitRequested', payload: { mspId: VSP1 } });
    await expect(ledger.submit(VSP1, (ctx) => dao.RequestExit(ctx))).rejects.toThrow(/^CONFLICT: VspOneMSP has already requested exit/);
    ledger.timeMs = START_MS + 10_000 + 3_600_000 - 1;
    await expect(ledger.submit(DSP, (ctx) => dao.CompleteExit(ctx, VSP1))).rejects.toThrow(/^CONFLICT: the exit notice of VspOneMSP runs until/);
    ledger.timeMs += 1;
    expect(json(await ledger.submit(DSP, (ctx) => dao.CompleteExit(ctx, VSP1)))).toMatchObject({ status: 'exited', levelEnded: true, dissolved: false });
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberExited', payload: { mspId: VSP1, levelEnded: true } });
    const allocation = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '1000', kind: 'use' }))));
    expect(allocation).toMatchObject({ betaPpm: 1_000_000, joiningShare: '0', payouts: [{ mspId: DSP, amount: '1000' }] });
  });

  it('refuses to complete an exit nobody requested, and outsiders', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(DSP, (ctx) => dao.CompleteExit(ctx, VSP1))).rejects.toThrow(/^CONFLICT: VspOneMSP has not requested exit/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.RequestExit(ctx))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.CompleteExit(ctx, VSP1))).rejects.toThrow(/^FORBIDDEN/);
  });

  it('dissolves the DAO when a DSP exits', async () => {
    const { ledger, dao } = await initialised(1);
    await ledger.submit(DSP, (ctx) => dao.RequestExit(ctx));
    ledger.timeMs += 3_600_000;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CompleteExit(ctx, DSP)))['dissolved']).toBe(true);
  });
});

describe("DaoContract contract term: a version's agreement ends for its joining group after durationDays", () => {
  const DAY = 86_400_000;

  it('ends J_i exactly when the term has run, in transaction time, and sends the level inward', async () => {
    const { ledger, dao } = await initialised(2);
    const endsAt = START_MS + 365 * DAY;
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['contractEndsAtMs']).toBe(endsAt);
    ledger.timeMs = endsAt - 1;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP2A)))).toEqual({ mspId: VSP2A, ended: false, contractEndsAtMs: endsAt, evaluatedAtMs: endsAt - 1 });
    expect(ledger.lastEvent()?.name).toBe('VersionCreated');
    ledger.timeMs = endsAt;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP2A)))).toMatchObject({ ended: true, status: 'exited', reason: 'contract-ended', levelEnded: false, dissolved: false });
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberExited', payload: { mspId: VSP2A, group: 'J2', reason: 'contract-ended', contractEndsAtMs: endsAt, exitedAtMs: endsAt } });
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP2A))).rejects.toThrow(/^CONFLICT: VspTwoAMSP is already exited/);
    await expect(ledger.submit(VSP2A, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '10', kind: 'use' })))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP is exited/);
    // The other member of J2 still shares the level until its own contract is put to the rule.
    const partial = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r1', amount: '1000', kind: 'use' }))));
    expect(partial).toMatchObject({ betaPpm: 750_000, levelEnded: false, payouts: [{ mspId: VSP2B, amount: '250' }] });
    expect(json(await ledger.submit(VSP1, (ctx) => dao.EvaluateContractEnd(ctx, VSP2B)))['levelEnded']).toBe(true);
    const ended = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r2', amount: '1000', kind: 'use' }))));
    expect(ended).toMatchObject({ betaPpm: 1_000_000, levelEnded: true, joiningShare: '0', rest: '1000', payouts: [] });
    const member = json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP2B)));
    expect(member).toMatchObject({ status: 'exited', endReason: 'contract-ended', endedAtMs: endsAt });
  });

  it('binds only the joining group of this version: D and earlier groups are refused, whatever the time', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS + 10_000 * DAY;
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, DSP))).rejects.toThrow(/^CONFLICT: DspMSP is in group D: the term of version 2 binds its joining group J2 only/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP1))).rejects.toThrow(/^CONFLICT: VspOneMSP is in group J1/);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['status']).toBe('active');
  });

  it('follows a term changed by a passed proposal, and records the reason of a voluntary exit too', async () => {
    const { ledger, dao } = await initialised(1);
    ledger.timeMs = START_MS + 30 * DAY;
    await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'short', kind: 'change-terms', payload: { ...TERMS, durationDays: 30 } })));
    expect(json(await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'short', 'yes')))).toMatchObject({ status: 'accepted' }); // D holds 70 %
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP1)))).toMatchObject({ ended: true, contractEndsAtMs: START_MS + 30 * DAY, levelEnded: true });
    const { ledger: other, dao: dao2 } = await initialised(1);
    await other.submit(VSP1, (ctx) => dao2.RequestExit(ctx));
    other.timeMs += 3_600_000;
    await other.submit(DSP, (ctx) => dao2.CompleteExit(ctx, VSP1));
    expect(other.lastEvent()).toMatchObject({ name: 'MemberExited', payload: { mspId: VSP1, reason: 'exit' } });
  });

  it('checks the caller and the argument', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.EvaluateContractEnd(ctx, VSP1))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, 'not an msp'))).rejects.toThrow(/^INVALID_ARGUMENT: mspId/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, OUTSIDER))).rejects.toThrow(/^NOT_FOUND: OutsiderMSP is not a member/);
  });
});

describe('DaoContract computations and infrastructure reports', () => {
  it('records an allowed computation with the recipients named by the terms', async () => {
    const { ledger, dao } = await initialised(1);
    const job = { jobId: 'job-1', computation: 'mean', members: [DSP, VSP1], resultDigest: DIGEST };
    expect(json(await ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s(job))))).toMatchObject({ ...job, recipients: [DSP, VSP1], recordedBy: DSP });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ComputationCompleted', payload: { jobId: 'job-1', recipients: [DSP, VSP1] } });
    const events = ledger.events.length;
    expect(json(await ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s(job))))['recordedBy']).toBe(DSP); // a retried report
    expect(ledger.events).toHaveLength(events);
    await expect(ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, resultDigest: 'cd'.repeat(32) })))).rejects.toThrow(/^CONFLICT: job job-1 is already recorded with another result/);
    await expect(ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, jobId: 'j2', computation: 'raw-dump' })))).rejects.toThrow(/^FORBIDDEN: computation raw-dump is not allowed/);
    await expect(ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, jobId: 'j3', members: [OUTSIDER] })))).rejects.toThrow(/^INVALID_ARGUMENT: job\.members: OutsiderMSP/);
    await expect(ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, jobId: 'j4', resultDigest: 'short' })))).rejects.toThrow(/^INVALID_ARGUMENT: job\.resultDigest/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, jobId: 'j5' })))).rejects.toThrow(/^FORBIDDEN/);
  });

  it('takes infrastructure reports from D for the current revision only', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(VSP1, (ctx) => dao.InfrastructureProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })))).rejects.toThrow(/^FORBIDDEN: VspOneMSP is not in the founding group D/);
    await expect(ledger.submit(DSP, (ctx) => dao.InfrastructureProvisioned(ctx, s({ revision: 2, outputsDigest: DIGEST })))).rejects.toThrow(/^CONFLICT: infrastructure revision 2 is not the current one/);
    await expect(ledger.submit(DSP, (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: '' })))).rejects.toThrow(/^INVALID_ARGUMENT: report\.reason/);
    await ledger.submit(DSP, (ctx) => dao.InfrastructureProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST, resources: { nodes: 3 } })));
    expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructureProvisioned', payload: { revision: 1, status: 'provisioned', outputsDigest: DIGEST, resources: { nodes: 3 } } });
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetVersion(ctx)))['infrastructureStatus']).toBe('provisioned');
    await expect(ledger.submit(DSP, (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: 'late' })))).rejects.toThrow(/^CONFLICT: infrastructure revision 1 is already provisioned/);
  });

  it('records a failed provisioning', async () => {
    const { ledger, dao } = await initialised(1);
    await ledger.submit(DSP, (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: 'quota exceeded' })));
    expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructureFailed', payload: { revision: 1, reason: 'quota exceeded', reportedBy: DSP } });
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

  it('reads and migrates a version stored in the earlier layout (one key per member, revenue records apart)', async () => {
    const { ledger, dao } = await initialised(1);
    // Rewrite the state as the earlier chaincode left it: members under member~<msp>, no memberStates.
    const version = json(Buffer.from(ledger.state.get('version') as Uint8Array).toString('utf8'));
    const { memberStates, ...legacy } = version as { memberStates: Record<string, unknown>[] };
    ledger.state.set('version', Buffer.from(JSON.stringify(legacy)));
    for (const m of memberStates) ledger.state.set(`\u0000member\u0000${String(m['mspId'])}\u0000`, Buffer.from(JSON.stringify(m)));
    const allocation = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('old', '1000'))));
    expect(allocation['payouts']).toEqual([{ mspId: VSP1, amount: '400' }, { mspId: DSP, amount: '600' }]);
    // An allocation of the earlier layout has no revenue details: a retry compares with revenue~<id>.
    const key = '\u0000allocation\u0000revenue:old\u0000';
    const { revenue: details, ...earlier } = json(Buffer.from(ledger.state.get(key) as Uint8Array).toString('utf8'));
    ledger.state.set(key, Buffer.from(JSON.stringify(earlier)));
    ledger.state.set('\u0000revenue\u0000old\u0000', Buffer.from(JSON.stringify({ revenueId: 'old', amount: '1000', ...details })));
    expect(json(await ledger.submit(VSP1, (ctx) => dao.RecordRevenue(ctx, revenue('old', '1000'))))).toEqual(allocation);
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordRevenue(ctx, revenue('old', '1000', { kind: 'subscription-period' })))).rejects.toThrow(/^CONFLICT: revenue old/);
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetVersion(ctx)))['memberStates']).toEqual(memberStates);
    // A retried InitVersion rewrites the version as one record; member changes then go there.
    expect(json(await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(agreement(1)))))).toEqual(legacy);
    expect(json(Buffer.from(ledger.state.get('version') as Uint8Array).toString('utf8'))).toEqual(version);
    await ledger.submit(VSP1, (ctx) => dao.RequestExit(ctx));
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP1)))['exitRequestedAtMs']).toBe(START_MS);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetEntitlements(ctx)))).toEqual([
      { mspId: DSP, amount: '600', allocations: 1 },
      { mspId: VSP1, amount: '400', allocations: 1 },
    ]);
  });
});
