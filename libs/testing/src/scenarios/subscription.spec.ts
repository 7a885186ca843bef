import { termsSchema } from '@datawell/domain';
import { periodChargesOf, subscriptionTerms, type EntitlementEvent } from './subscription';

describe('the subscription scenario', () => {
  it('proposes terms the dao chaincode accepts: a subscription priced per period, no price per computation', () => {
    const terms = termsSchema.parse(subscriptionTerms(9_900n, 15, ['Vsp1MSP']));
    expect(terms).toMatchObject({ businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 15 } } });
    expect(terms.price?.perComputation).toBeUndefined();
    expect(terms.price?.perPeriod?.originMs).toBeUndefined();
  });

  it('reads each period charged on a channel once, from the revenue events period:<k>, in period order', () => {
    const event = (allocationId: string, revenueId: string, amount: string): EntitlementEvent => ({
      allocationId,
      source: { kind: 'revenue', revenueId },
      revenue: { kind: revenueId.startsWith('period:') ? 'subscription-period' : 'use', recordedBy: 'DspMSP' },
      lump: '9900',
      amount,
      split: { payouts: [{ mspId: 'Vsp1MSP', amount: '1980' }, { mspId: 'DspMSP', amount: '7920' }], rest: '7920', restTo: { group: 'D' } },
      txId: `tx-${allocationId}`,
      atMs: 0,
    });
    const relay: EntitlementEvent = { ...event('r', 'x', '5940'), source: { kind: 'relay', sourceChannel: 'dao-a-v2', sourceTxId: 'tx-2' } };
    const charges = periodChargesOf(
      1,
      [
        { mspId: 'DspMSP', amount: '0', events: [event('b', 'period:1', '7920'), event('a', 'period:0', '7920'), event('j', 'job:7', '7920'), relay] },
        { mspId: 'Vsp1MSP', amount: '0', events: [event('a', 'period:0', '1980'), event('b', 'period:1', '1980')] },
      ],
      1_000,
      15,
    );
    expect(charges).toEqual([
      { version: 1, period: 0, startsAtMs: 1_000, amount: '9900', recordedBy: 'DspMSP', txId: 'tx-a' },
      { version: 1, period: 1, startsAtMs: 16_000, amount: '9900', recordedBy: 'DspMSP', txId: 'tx-b' },
    ]);
  });
});
