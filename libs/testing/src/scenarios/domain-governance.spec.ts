import { split } from '@datawell/domain';
import { expectedSplit, ledgerRevenue, sumPayouts } from './domain-governance';
import type { EntitlementEvent, MemberEntitlement } from './subscription';

describe('the governance scenario in domains: every revenue event and its split', () => {
  const member = (mspId: string, level: number, status = 'active') => ({ mspId, level, weight: 1, status });
  const four = { betaPpm: 800_000, memberStates: [member('DspMSP', 0), member('Vsp1MSP', 1), member('Vsp2MSP', 1), member('Vsp3MSP', 1)] };

  it("splits a lump as the economics library does for the version's β and its active members (founders as D, the version's level as J)", () => {
    const s = split(2_500n, { levels: [{ betaPpm: 800_000, weights: [1, 1, 1] }] });
    expect(expectedSplit(2_500n, four, 1)).toEqual({ DspMSP: String(s.dspMembers[0]), Vsp1MSP: String(s.vspMembers[0]![0]), Vsp2MSP: String(s.vspMembers[0]![1]), Vsp3MSP: String(s.vspMembers[0]![2]) });
    // After an exit and a transfer: the leavers get nothing of a later lump, the newcomer its part.
    const after = { betaPpm: 800_000, memberStates: [member('DspMSP', 0), member('Vsp1MSP', 1), member('Vsp2MSP', 1, 'exited'), member('Vsp3MSP', 1, 'exited'), member('NewMSP', 1)] };
    const later = expectedSplit(1_000_000n, after, 1);
    expect(Object.keys(later).sort()).toEqual(['DspMSP', 'NewMSP', 'Vsp1MSP']);
    expect(Object.values(later).reduce((a, v) => a + BigInt(v), 0n)).toBe(1_000_000n);
    // With every VSP of the level gone, the whole lump goes to the founders.
    expect(expectedSplit(1_000n, { betaPpm: 800_000, memberStates: [member('DspMSP', 0), member('Vsp1MSP', 1, 'exited')] }, 1)).toEqual({ DspMSP: '1000' });
  });

  it('finds a revenue among the entitlements once, with its transaction, recorder and non-zero payouts', () => {
    const event = (allocationId: string, revenueId: string, recordedBy: string, amount: string, payouts: Array<[string, string]>): EntitlementEvent => ({
      allocationId,
      source: { kind: 'revenue', revenueId },
      revenue: { kind: 'use', recordedBy },
      lump: String(payouts.reduce((a, [, v]) => a + BigInt(v), 0n)),
      amount,
      split: { payouts: payouts.map(([mspId, a]) => ({ mspId, amount: a })), rest: '0', restTo: { group: 'D' } },
      txId: `tx-${allocationId}`,
      atMs: 5,
    });
    const job = event('revenue:job:j1', 'job:j1', 'Vsp1MSP', '2000', [
      ['DspMSP', '2000'],
      ['Vsp1MSP', '500'],
      ['Vsp2MSP', '0'],
    ]);
    const entitlements: MemberEntitlement[] = [
      { mspId: 'Vsp2MSP', amount: '0', events: [] },
      { mspId: 'DspMSP', amount: '2000', events: [job] },
      { mspId: 'Vsp1MSP', amount: '500', events: [{ ...job, amount: '500' }] },
    ];
    expect(ledgerRevenue(entitlements, 'job:j1')).toEqual({ revenueId: 'job:j1', allocationId: 'revenue:job:j1', kind: 'use', amount: '2500', txId: 'tx-revenue:job:j1', recordedBy: 'Vsp1MSP', atMs: 5, payouts: { DspMSP: '2000', Vsp1MSP: '500' } });
    expect(ledgerRevenue(entitlements, 'job:j2')).toBeUndefined();
    // A rest relayed from the version above is no revenue recorded here.
    const relay: EntitlementEvent = { ...job, source: { kind: 'relay', sourceChannel: 'dao-a-v2', sourceTxId: 'job:j1' } };
    expect(ledgerRevenue([{ mspId: 'DspMSP', amount: '2000', events: [relay] }], 'job:j1')).toBeUndefined();
  });

  it("sums each member's payouts over several events, leaving out who got nothing", () => {
    expect(sumPayouts([{ DspMSP: '2000', Vsp2MSP: '167' }, { DspMSP: '800000', NewMSP: '100000' }, {}])).toEqual({ DspMSP: '802000', Vsp2MSP: '167', NewMSP: '100000' });
    expect(sumPayouts([{ DspMSP: '0' }])).toEqual({});
  });
});
