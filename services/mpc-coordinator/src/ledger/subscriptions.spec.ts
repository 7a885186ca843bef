import type { LedgerEvent } from '@datawell/contracts';
import { chargeSubscriptionCommand, periodsBegun, subscriptionUpdatesOf } from './subscriptions';

const event = (eventName: string, payload: Record<string, unknown>, channel = 'dao-acme-v2'): LedgerEvent => ({
  channel,
  blockNumber: '3',
  transactionId: 'tx3',
  eventIndex: 0,
  chaincodeId: 'dao',
  eventName,
  payloadEncoding: 'json',
  payload: payload as never,
  daoId: 'acme',
});

const members = [
  { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600000 },
  { mspId: 'VspMSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400000 },
];
const terms = { businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 60 } } };
const created = (extra: Record<string, unknown> = {}) => event('VersionCreated', { daoId: 'acme', version: 2, members, terms, createdAtMs: 1_000, contractEndsAtMs: 1_000 + 150_000, ...extra });

describe('subscription charging', () => {
  const v1 = (extra: Record<string, unknown> = {}) => event('VersionCreated', { daoId: 'acme', version: 1, members, terms, createdAtMs: 1_000, contractEndsAtMs: 1_000 + 150_000, ...extra }, 'dao-acme-v1');
  const subscription = { daoId: 'acme', version: 2, periodSeconds: 60, startsAtMs: 1_000, endsAtMs: 151_000, firstPeriod: 0, actingMspId: 'DspMSP' };

  it('learns a priced subscription from VersionCreated and a successor from VersionSuperseded', () => {
    expect(subscriptionUpdatesOf(v1())).toEqual([{ kind: 'subscription', subscription: { ...subscription, version: 1 } }]);
    expect(subscriptionUpdatesOf(event('VersionSuperseded', { daoId: 'acme', version: 2 }))).toEqual([{ kind: 'superseded', daoId: 'acme', version: 2 }]);
    // Pay-per-use, no price, no creation time, another channel's version, not a DAO channel: nothing to charge.
    expect(subscriptionUpdatesOf(v1({ terms: { ...terms, businessModel: 'pay-per-use' } }))).toEqual([]);
    expect(subscriptionUpdatesOf(v1({ terms: { businessModel: 'subscription' } }))).toEqual([]);
    expect(subscriptionUpdatesOf(v1({ createdAtMs: undefined }))).toEqual([]);
    expect(subscriptionUpdatesOf(created({ version: 3 }))).toEqual([]);
    expect(subscriptionUpdatesOf({ ...created(), channel: 'marketplace' })).toEqual([]);
  });

  it("ends the predecessor's charging at a successor's creation, from the successor's own VersionCreated, whatever its terms", () => {
    // Version 2 created at 1 000: version 1 charges no period that begins from then on, even before it learns of version 2 (VersionSuperseded).
    const ended = { kind: 'ended', daoId: 'acme', version: 1, endedAtMs: 1_000, reason: 'successor-created' };
    expect(subscriptionUpdatesOf(created())).toEqual([ended, { kind: 'subscription', subscription }]);
    expect(subscriptionUpdatesOf(created({ terms: { ...terms, businessModel: 'pay-per-use' } }))).toEqual([ended]);
    // Version 1 has no predecessor; a creation time unknown ends nothing (VersionSuperseded still does).
    expect(subscriptionUpdatesOf(v1()).map((u) => u.kind)).toEqual(['subscription']);
    expect(subscriptionUpdatesOf(created({ createdAtMs: undefined }))).toEqual([]);
  });

  it('ends a dissolved version\'s charging at its dissolution: the payload\'s time, else the ledger event\'s', () => {
    const left = { mspId: 'DspMSP', group: 'D', role: 'DSP', levelEnded: false };
    const ended = (endedAtMs: number) => [{ kind: 'ended', daoId: 'acme', version: 2, endedAtMs, reason: 'dissolved' }];
    expect(subscriptionUpdatesOf(event('MemberAbandoned', { ...left, dissolved: true, decidedAtMs: 70_000, lastHeartbeatMs: null }), 99_000)).toEqual(ended(70_000));
    expect(subscriptionUpdatesOf(event('MemberExited', { ...left, dissolved: true, exitedAtMs: 80_000, reason: 'exit' }), 99_000)).toEqual(ended(80_000));
    expect(subscriptionUpdatesOf(event('MemberExited', { ...left, dissolved: true }), 99_000)).toEqual(ended(99_000));
    const dissolve = { proposalId: 'p-1', kind: 'dissolve', outcome: 'accepted', effect: { dissolved: true } };
    expect(subscriptionUpdatesOf(event('ProposalDecided', dissolve), 99_000)).toEqual(ended(99_000));
    // A member leaving a version that lives on, another proposal, a rejected dissolution, no time at all: nothing ends.
    expect(subscriptionUpdatesOf(event('MemberAbandoned', { ...left, group: 'J1', dissolved: false, decidedAtMs: 70_000 }), 99_000)).toEqual([]);
    expect(subscriptionUpdatesOf(event('MemberExited', { ...left, reason: 'contract-ended', exitedAtMs: 80_000 }), 99_000)).toEqual([]);
    expect(subscriptionUpdatesOf(event('ProposalDecided', { proposalId: 'p-2', kind: 'change-terms', outcome: 'accepted', effect: { terms } }), 99_000)).toEqual([]);
    expect(subscriptionUpdatesOf(event('ProposalDecided', { ...dissolve, outcome: 'rejected', effect: undefined }), 99_000)).toEqual([]);
    expect(subscriptionUpdatesOf(event('ProposalDecided', dissolve))).toEqual([]);
    // Dissolved at 70 000 on a grid from 1 000 every 60 s: period 1 (from 61 000) was charged, period 2 (from 121 000) is not.
    expect([61_000, 121_000, 10_000_000].map((t) => periodsBegun({ periodSeconds: 60, startsAtMs: 1_000, endsAtMs: 70_000 }, t))).toEqual([2, 2, 2]);
    // Dissolved before its first period began: nothing.
    expect(periodsBegun({ periodSeconds: 60, startsAtMs: 1_000, endsAtMs: 500 }, 10_000_000)).toBe(0);
  });

  it("continues the DAO's grid: a successor's periods count from the origin its terms carry, from the first that begins after its creation", () => {
    const onGrid = { ...terms, price: { ...terms.price, perPeriod: { ...terms.price.perPeriod, originMs: 0 } } };
    // Created at 1 000 on a grid from 0 every 60 s: period 0 (from 0) was its predecessor's; its first is period 1 (from 60 000).
    expect(subscriptionUpdatesOf(created({ terms: onGrid })).at(-1)).toMatchObject({ subscription: { startsAtMs: 0, firstPeriod: 1 } });
    expect(subscriptionUpdatesOf(created({ terms: onGrid, createdAtMs: 120_000 })).at(-1)).toMatchObject({ subscription: { startsAtMs: 0, firstPeriod: 2 } });
    expect(subscriptionUpdatesOf(created({ terms: { ...onGrid, price: { ...onGrid.price, perPeriod: { ...onGrid.price.perPeriod, originMs: -5 } } } })).map((u) => u.kind)).toEqual(['ended']);
    // The predecessor learns when its successor was created: the periods begun before stay its own.
    expect(subscriptionUpdatesOf(event('VersionSuperseded', { daoId: 'acme', version: 2, successorCreatedAtMs: 90_000 }))).toEqual([{ kind: 'superseded', daoId: 'acme', version: 2, successorCreatedAtMs: 90_000 }]);
    expect([60_999, 61_000, 100_000].map((t) => periodsBegun({ periodSeconds: 60, startsAtMs: 1_000, endsAtMs: 90_000 }, t))).toEqual([1, 2, 2]);
  });

  it('counts the periods begun, never past the term', () => {
    const s = { periodSeconds: 60, startsAtMs: 1_000, endsAtMs: 151_000 };
    expect([0, 999, 1_000, 60_999, 61_000, 121_000, 150_999, 10_000_000].map((t) => periodsBegun(s, t))).toEqual([0, 0, 1, 1, 2, 3, 3, 3]);
  });

  it('charges period k on the version channel as the founding member, under a command id of the channel and k', () => {
    expect(chargeSubscriptionCommand({ daoId: 'acme', version: 2, actingMspId: 'DspMSP' }, 4)).toEqual({
      commandId: 'mpc-coordinator:charge-subscription:dao-acme-v2:4',
      channel: 'dao-acme-v2',
      chaincode: 'dao',
      transaction: 'ChargeSubscription',
      arguments: ['4'],
      actingMspId: 'DspMSP',
    });
  });
});
