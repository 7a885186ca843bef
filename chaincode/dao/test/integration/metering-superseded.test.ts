import { randomBytes } from 'node:crypto';
import type { GatewayConnection } from '@datawell/fabric';
import { enrollClientIdentity } from '@datawell/stack';
import { testStackContext } from '@datawell/testing';
import { acceptancesOf, connectAs, deployTestChaincode, eventOf, failure, registerParticipants, submit, twoVersionAgreements } from '@datawell/testing';

/*
 * Metering of a superseded version's computations on the real network: DAO `itmeter`, version 1 on
 * dao-itmeter-v1 (D = ItDsp, J1 = ItVspOne, β 0.6) and version 2 on dao-itmeter-v2 (adds J2 =
 * ItVspTwo), pay-per-use at 1000 minor units per computation. Version 1 is superseded once (both
 * InitVersion and RecordSuccessor are idempotent); every run meters fresh jobs on version 1.
 */
const DSP = 'ItDspMSP';
const VSP1 = 'ItVspOneMSP';
const VSP2 = 'ItVspTwoMSP';
const V1 = { name: 'it-meter-v1', channel: 'dao-itmeter-v1', module: 'chaincode/dao' };
const V2 = { name: 'it-meter-v2', channel: 'dao-itmeter-v2', module: 'chaincode/dao' };
const run = randomBytes(4).toString('hex');
const DIGEST = 'ab'.repeat(32);

const agreements = twoVersionAgreements({ daoId: 'itmeter', dsp: DSP, vsp1: VSP1, vsp2: VSP2, terms: { price: { currency: 'EUR', perComputation: '1000' } }, documentDigest: DIGEST });

describe('dao chaincode: metering a superseded version on the real network', () => {
  const ctx = testStackContext();
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string, channel: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(channel);
  const completed = (jobId: string) => JSON.stringify({ jobId, computation: 'mean', members: [DSP, VSP1], resultDigest: DIGEST });

  beforeAll(async () => {
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP1, role: 'VSP' }, { mspId: VSP2, role: 'VSP' }]);
    await deployTestChaincode(ctx, V1, [DSP, VSP1]);
    await deployTestChaincode(ctx, V2, [DSP, VSP1, VSP2]);
    for (const msp of [DSP, VSP1, VSP2]) conns[msp] = await connectAs(ctx, msp);
    for (const [cc, version] of [[V1, 1], [V2, 2]] as const) {
      const agreement = agreements[version];
      const identities = await Promise.all(agreement.members.map((m) => enrollClientIdentity(ctx, m.mspId, 'it-chaincode')));
      await submit(net(DSP, cc.channel), cc.name, 'InitVersion', JSON.stringify(agreement), JSON.stringify(acceptancesOf(agreement, identities, V1.name)));
    }
  }, 900_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  it('meters on version 1 after VersionSuperseded, at its price, split from its level: a job completed before and one run after', async () => {
    const before = `before-${run}`;
    const after = `after-${run}`;
    await submit(net(VSP1, V1.channel), V1.name, 'ComputationCompleted', completed(before));
    const superseded = await submit(net(DSP, V1.channel), V1.name, 'RecordSuccessor', JSON.stringify({ chaincode: V2.name }));
    expect(JSON.parse(superseded.result)).toMatchObject({ successorChannel: V2.channel });
    // Revenue by hand belongs on the top channel now …
    expect(await failure(() => submit(net(DSP, V1.channel), V1.name, 'RecordRevenue', JSON.stringify({ revenueId: `hand-${run}`, amount: '10', kind: 'use' })))).toMatch(/CONFLICT: version 1 is superseded/);
    // … but the computation ran on version 1: metered there (β 0.6: J1 gets 400, D 600), once.
    const late = await submit(net(VSP1, V1.channel), V1.name, 'MeterComputation', before);
    expect(JSON.parse(late.result)).toMatchObject({
      jobId: before,
      metered: true,
      revenueId: `job:${before}`,
      amount: '1000',
      currency: 'EUR',
      allocation: { level: 1, restTo: { group: 'D' }, payouts: [{ mspId: VSP1, amount: '400' }, { mspId: DSP, amount: '600' }] },
    });
    expect(await eventOf(net(DSP, V1.channel), V1.name, late)).toMatchObject({ name: 'RevenueRecorded', payload: { revenueId: `job:${before}`, metered: true, jobId: before, recordedBy: VSP1 } });
    expect((await submit(net(DSP, V1.channel), V1.name, 'MeterComputation', before)).result).toBe(late.result);
    // A job run on version 1's mesh after the successor appeared.
    await submit(net(DSP, V1.channel), V1.name, 'ComputationCompleted', completed(after));
    expect(JSON.parse((await submit(net(DSP, V1.channel), V1.name, 'MeterComputation', after)).result)).toMatchObject({ metered: true, revenueId: `job:${after}`, allocation: { level: 1 } });
  });
});
