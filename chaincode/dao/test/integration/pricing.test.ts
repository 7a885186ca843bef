import { randomBytes } from 'node:crypto';
import type { GatewayConnection } from '@datawell/fabric';
import { enrollClientIdentity } from '@datawell/stack';
import { testStackContext } from '@datawell/testing';
import { acceptancesOf, connectAs, deployTestChaincode, evaluate, eventOf, failure, registerParticipants, submit, twoMemberAgreement } from '@datawell/testing';

/*
 * Prices and metering of the dao chaincode on the real network: DAO `itprice`, version 1 on channel
 * dao-itprice-v1 (D = ItDsp, J1 = ItVspOne, β 0.6), pay-per-use at 1500 minor units (EUR) per
 * computation, revenue recorded only by the DSP as the terms name it. The version is initialised
 * once (InitVersion is idempotent); every run uses fresh job and revenue ids.
 */
const DSP = 'ItDspMSP';
const VSP1 = 'ItVspOneMSP';
const P = { name: 'it-price-v1', channel: 'dao-itprice-v1', module: 'chaincode/dao' };
/** DAO `itsub`: the same members on a subscription of 9900 per 30 days. */
const S = { name: 'it-sub-v1', channel: 'dao-itsub-v1', module: 'chaincode/dao' };
const run = randomBytes(4).toString('hex');
const DIGEST = 'cd'.repeat(32);

const agreement = twoMemberAgreement({
  daoId: 'itprice',
  dsp: DSP,
  vsp: VSP1,
  terms: { computations: [{ name: 'mean', resultRecipients: [VSP1] }], price: { currency: 'EUR', perComputation: '1500' }, revenueRecorders: [DSP] },
  documentDigest: DIGEST,
});

const subscription = {
  ...agreement,
  agreementId: 'itsub-agreement-1',
  daoId: 'itsub',
  terms: { ...agreement.terms, businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 30 * 86_400 } } },
};

interface EntitlementView {
  mspId: string;
  amount: string;
  allocations: number;
  events: { allocationId: string; amount: string; lump: string; revenue?: { kind: string; reference?: string; recordedBy: string }; split: { payouts: { mspId: string; amount: string }[]; restTo: unknown } }[];
}

describe('dao chaincode prices and metering on the real network', () => {
  const ctx = testStackContext();
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string, channel = P.channel) => (conns[msp] as GatewayConnection).gateway.getNetwork(channel);

  beforeAll(async () => {
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP1, role: 'VSP' }]);
    await deployTestChaincode(ctx, P, [DSP, VSP1]);
    await deployTestChaincode(ctx, S, [DSP, VSP1]);
    for (const msp of [DSP, VSP1]) conns[msp] = await connectAs(ctx, msp);
    const identities = await Promise.all(agreement.members.map((m) => enrollClientIdentity(ctx, m.mspId, 'it-chaincode')));
    await submit(net(DSP), P.name, 'InitVersion', JSON.stringify(agreement), JSON.stringify(acceptancesOf(agreement, identities, P.name)));
    await submit(net(DSP, S.channel), S.name, 'InitVersion', JSON.stringify(subscription), JSON.stringify(acceptancesOf(subscription, identities, S.name)));
  }, 900_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  it('keeps the price and the recorders in the version; only the named DSP records revenue', async () => {
    const version = JSON.parse(await evaluate(net(VSP1), P.name, 'GetVersion')) as { terms: Record<string, unknown> };
    expect(version.terms).toMatchObject({ price: { currency: 'EUR', perComputation: '1500' }, revenueRecorders: [DSP] });
    expect(await failure(() => submit(net(VSP1), P.name, 'RecordRevenue', JSON.stringify({ revenueId: `vsp-${run}`, amount: '10', kind: 'use' })))).toMatch(
      /FORBIDDEN: NOT_REVENUE_RECORDER: ItVspOneMSP is not named by the terms to record revenue \(terms\.revenueRecorders\)/,
    );
    expect(await failure(() => submit(net(DSP), P.name, 'RecordRevenue', JSON.stringify({ revenueId: `job:${run}`, amount: '10', kind: 'use' })))).toMatch(/INVALID_ARGUMENT: revenue\.revenueId: ids starting with "job:"/);
    const recorded = await submit(net(DSP), P.name, 'RecordRevenue', JSON.stringify({ revenueId: `dsp-${run}`, amount: '10', kind: 'use' }));
    expect((await eventOf(net(VSP1), P.name, recorded)).payload).toMatchObject({ revenueId: `dsp-${run}`, recordedBy: DSP });
  });

  it('meters a completed computation at the terms\' price once, whoever asks and however often, and shows the split in entitlements', async () => {
    const jobId = `job-${run}`;
    expect(await failure(() => submit(net(VSP1), P.name, 'MeterComputation', jobId))).toMatch(/NOT_FOUND: no computation job-\w+ is recorded on dao-itprice-v1/);
    const before = JSON.parse(await evaluate(net(VSP1), P.name, 'GetEntitlement', VSP1)) as EntitlementView;
    await submit(net(VSP1), P.name, 'ComputationCompleted', JSON.stringify({ jobId, computation: 'mean', members: [DSP, VSP1], resultDigest: DIGEST }));
    // The requester (a VSP the terms do not name as a recorder) meters: the amount is the terms'.
    const metered = await submit(net(VSP1), P.name, 'MeterComputation', jobId);
    const event = await eventOf(net(DSP), P.name, metered);
    expect(event.name).toBe('RevenueRecorded');
    expect(event.payload).toMatchObject({ revenueId: `job:${jobId}`, amount: '1500', kind: 'use', recordedBy: VSP1, metered: true, jobId });
    const result = JSON.parse(metered.result) as { metered: boolean; amount: string; currency: string; allocation: { payouts: { mspId: string; amount: string }[]; restTo: unknown } };
    // β = 0.6 on CH_1: J1 gets floor(1500 · 0.4) = 600, D the rest.
    expect(result).toMatchObject({ metered: true, amount: '1500', currency: 'EUR', allocation: { restTo: { group: 'D' }, payouts: [{ mspId: VSP1, amount: '600' }, { mspId: DSP, amount: '900' }] } });
    // A replay (the coordinator's command delivered again, or sent by another member) charges nothing more.
    expect((await submit(net(DSP), P.name, 'MeterComputation', jobId)).result).toBe(metered.result);
    const after = JSON.parse(await evaluate(net(VSP1), P.name, 'GetEntitlement', VSP1)) as EntitlementView;
    expect(BigInt(after.amount) - BigInt(before.amount)).toBe(600n);
    expect(after.allocations).toBe(before.allocations + 1);
    expect(after.events.find((e) => e.allocationId === `revenue:job:${jobId}`)).toEqual(
      expect.objectContaining({ lump: '1500', amount: '600', revenue: { kind: 'use', reference: `computation ${jobId}`, recordedBy: VSP1 }, split: expect.objectContaining({ payouts: [{ mspId: VSP1, amount: '600' }, { mspId: DSP, amount: '900' }], restTo: { group: 'D' } }) }),
    );
  });

  it('charges the first subscription period once at the terms\' price, and no period before it begins', async () => {
    const sub = (msp: string) => net(msp, S.channel);
    // Period 0 began when the version was created; a replay (any member, any run) returns the same charge.
    const charged = await submit(sub(VSP1), S.name, 'ChargeSubscription', '0');
    const result = JSON.parse(charged.result) as { period: number; charged: boolean; amount: string; allocation: { payouts: { mspId: string; amount: string }[] } };
    expect(result).toMatchObject({ period: 0, charged: true, amount: '9900', allocation: { payouts: [{ mspId: VSP1, amount: '3960' }, { mspId: DSP, amount: '5940' }] } });
    expect((await submit(sub(DSP), S.name, 'ChargeSubscription', '0')).result).toBe(charged.result);
    expect(await failure(() => submit(sub(DSP), S.name, 'ChargeSubscription', '1'))).toMatch(/CONFLICT: period 1 begins at \S+, after this transaction's time/);
    expect(await failure(() => submit(sub(DSP), S.name, 'ChargeSubscription', '01'))).toMatch(/INVALID_ARGUMENT: period/);
    expect(await failure(() => submit(net(DSP), P.name, 'ChargeSubscription', '0'))).toMatch(/INVALID_ARGUMENT: period: this DAO's business model is pay-per-use/);
    const entitlement = JSON.parse(await evaluate(sub(VSP1), S.name, 'GetEntitlement', VSP1)) as EntitlementView;
    expect(entitlement.events.find((e) => e.allocationId === 'revenue:period:0')).toMatchObject({ lump: '9900', amount: '3960', revenue: { kind: 'subscription-period' } });
  });
});
