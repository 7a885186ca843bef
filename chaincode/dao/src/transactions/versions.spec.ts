import { DAO_PRIVATE_COLLECTION } from '@datawell/contracts';
import { MemoryLedger } from '@datawell/chaincode-common';
import { DaoContract } from '../dao.contract';
import { DSP, INFRA, OUTSIDER, START_MS, TERMS, VSP1, VSP2A, VSP2B, acceptances, agreement, daoLedger, initialised, json, linkedPair } from '../fixtures.spec-helper';

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
      const ledger = daoLedger(1);
      await expect(ledger.submit(caller, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(1)), acceptances(agreement(1))))).rejects.toThrow(/^FORBIDDEN: /);
    }
  });

  it('returns the version for a retried InitVersion of the same agreement (no write, no event) and refuses another agreement', async () => {
    const { ledger, dao } = await initialised(1);
    const before = ledger.dump();
    const again = json(await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(agreement(1)), acceptances(agreement(1)))));
    expect(again).toMatchObject({ agreementId: 'agr-1', createdAtMs: START_MS });
    expect(ledger.dump()).toEqual(before);
    expect(ledger.events).toHaveLength(1);
    await expect(ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(agreement(1, { betaPpm: 500_000 })), acceptances(agreement(1, { betaPpm: 500_000 }))))).rejects.toThrow(/^CONFLICT: channel dao-acme-v1 already holds a DAO version \(agreement agr-1\)/);
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
    const ledger = daoLedger(1);
    await expect(ledger.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(1, overrides)), acceptances(agreement(1))))).rejects.toThrow(message);
    await expect(ledger.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(1, overrides)), acceptances(agreement(1))))).rejects.toThrow(/^INVALID_ARGUMENT: /);
    expect(ledger.state.size).toBe(0);
    expect(ledger.events).toHaveLength(0);
  });

  it('refuses malformed JSON', async () => {
    const ledger = new MemoryLedger('dao-acme-v1', { sealedCollection: DAO_PRIVATE_COLLECTION });
    await expect(ledger.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, '{', acceptances(agreement(1))))).rejects.toThrow('INVALID_ARGUMENT: agreement is not valid JSON');
    await expect(ledger.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(1)), '{'))).rejects.toThrow('INVALID_ARGUMENT: acceptances is not valid JSON');
  });

  it('writes the same state bytes whatever the key order of the input (deterministic JSON)', async () => {
    const reversed = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reversed) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)])) : value;
    const previous = await initialised(1);
    const one = daoLedger(2, previous);
    const two = daoLedger(2, previous);
    await one.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(agreement(2)), acceptances(agreement(2))));
    await two.submit(DSP, (ctx) => new DaoContract().InitVersion(ctx, s(reversed(agreement(2))), acceptances(agreement(2))));
    expect(s(reversed(agreement(2)))).not.toBe(s(agreement(2)));
    expect(two.dump()).toEqual(one.dump());
    expect(two.readPrivate(DAO_PRIVATE_COLLECTION, 'version')).toEqual(one.readPrivate(DAO_PRIVATE_COLLECTION, 'version'));
    expect(two.events[0]?.payload).toEqual(one.events[0]?.payload);
  });

  it('lets only members read the version', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.evaluate(OUTSIDER, (ctx) => dao.GetVersion(ctx))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
    await expect(ledger.evaluate(OUTSIDER, (ctx) => dao.GetEntitlements(ctx))).rejects.toThrow(/^FORBIDDEN/);
    const empty = new MemoryLedger('dao-acme-v9', { sealedCollection: DAO_PRIVATE_COLLECTION });
    await expect(empty.evaluate(DSP, (ctx) => new DaoContract().GetVersion(ctx))).rejects.toThrow(/^NOT_FOUND: no DAO version on channel dao-acme-v9/);
  });
});

describe('DaoContract RecordSuccessor: version i learns of version i+1', () => {
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
    // Version 2 of another history of DAO acme, where OtherMSP joined first.
    const otherFirst = daoLedger(1);
    const v1 = agreement(1, { members: [{ mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 700_000 }, { mspId: 'OtherMSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 300_000 }], terms: { ...TERMS, computations: [] }, infrastructure: { workloads: [{ name: 'w', owner: DSP, placement: 'managed', kind: 'k' }] } });
    const first = new DaoContract();
    await otherFirst.submit(DSP, (ctx) => first.InitVersion(ctx, s(v1), acceptances(v1)));
    const stranger = daoLedger(2, { ledger: otherFirst, dao: first });
    const members = [
      { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500_000 },
      { mspId: 'OtherMSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
      { mspId: VSP1, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
    ];
    const contract = new DaoContract();
    const v2 = agreement(2, { members, terms: { ...TERMS, computations: [] }, infrastructure: { workloads: [{ name: 'w', owner: DSP, placement: 'managed', kind: 'k' }] } });
    await stranger.submit(DSP, (ctx) => contract.InitVersion(ctx, s(v2), acceptances(v2)));
    bottom.ledger.link('dao', stranger, contract);
    await expect(bottom.ledger.submit(DSP, (ctx) => bottom.dao.RecordSuccessor(ctx, '{}'))).rejects.toThrow(/^CONFLICT: VspOneMSP \(group J1\) is not in group J1 of version 2/);
  });
});
