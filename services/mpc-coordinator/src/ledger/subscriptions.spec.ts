import type { LedgerEvent } from '@datawell/contracts';
import { chargeSubscriptionCommand, periodsBegun, subscriptionUpdateOf } from './subscriptions';

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
  it('learns a priced subscription from VersionCreated and a successor from VersionSuperseded', () => {
    expect(subscriptionUpdateOf(created())).toEqual({ kind: 'subscription', subscription: { daoId: 'acme', version: 2, periodSeconds: 60, startsAtMs: 1_000, endsAtMs: 151_000, firstPeriod: 0, actingMspId: 'DspMSP' } });
    expect(subscriptionUpdateOf(event('VersionSuperseded', { daoId: 'acme', version: 2 }))).toEqual({ kind: 'superseded', daoId: 'acme', version: 2 });
    // Pay-per-use, no price, no creation time, another channel's version, not a DAO channel: nothing to charge.
    expect(subscriptionUpdateOf(created({ terms: { ...terms, businessModel: 'pay-per-use' } }))).toBeUndefined();
    expect(subscriptionUpdateOf(created({ terms: { businessModel: 'subscription' } }))).toBeUndefined();
    expect(subscriptionUpdateOf(created({ createdAtMs: undefined }))).toBeUndefined();
    expect(subscriptionUpdateOf(created({ version: 3 }))).toBeUndefined();
    expect(subscriptionUpdateOf({ ...created(), channel: 'marketplace' })).toBeUndefined();
  });

  it("continues the DAO's grid: a successor's periods count from the origin its terms carry, from the first that begins after its creation", () => {
    const onGrid = { ...terms, price: { ...terms.price, perPeriod: { ...terms.price.perPeriod, originMs: 0 } } };
    // Created at 1 000 on a grid from 0 every 60 s: period 0 (from 0) was its predecessor's; its first is period 1 (from 60 000).
    expect(subscriptionUpdateOf(created({ terms: onGrid }))).toMatchObject({ subscription: { startsAtMs: 0, firstPeriod: 1 } });
    expect(subscriptionUpdateOf(created({ terms: onGrid, createdAtMs: 120_000 }))).toMatchObject({ subscription: { startsAtMs: 0, firstPeriod: 2 } });
    expect(subscriptionUpdateOf(created({ terms: { ...onGrid, price: { ...onGrid.price, perPeriod: { ...onGrid.price.perPeriod, originMs: -5 } } } }))).toBeUndefined();
    // The predecessor learns when its successor was created: the periods begun before stay its own.
    expect(subscriptionUpdateOf(event('VersionSuperseded', { daoId: 'acme', version: 2, successorCreatedAtMs: 90_000 }))).toEqual({ kind: 'superseded', daoId: 'acme', version: 2, successorCreatedAtMs: 90_000 });
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
