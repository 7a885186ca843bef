import type { GatewayConnection } from '@datawell/fabric';
import { enrollClientIdentity } from '@datawell/stack';
import { testStackContext } from '@datawell/testing';
import { acceptancesOf, connectAs, deployTestChaincode, evaluate, failure, registerParticipants, submit, twoVersionAgreements } from '@datawell/testing';

/*
 * One grid of subscription periods across a join, on the real network: DAO `itgrid`, version 1 on
 * dao-itgrid-v1 (D = ItDsp, J1 = ItVspOne), a subscription of 9900 per 30 days, and version 2 on
 * dao-itgrid-v2 (adds J2 = ItVspTwo) continuing its periods (originMs = version 1's creation).
 * InitVersion, RecordSuccessor and ChargeSubscription are idempotent: the versions are set up once
 * on a persistent stack, and every run checks the same answers.
 */
const DSP = 'ItDspMSP';
const VSP1 = 'ItVspOneMSP';
const VSP2 = 'ItVspTwoMSP';
const V1 = { name: 'it-grid-v1', channel: 'dao-itgrid-v1', module: 'chaincode/dao' };
const V2 = { name: 'it-grid-v2', channel: 'dao-itgrid-v2', module: 'chaincode/dao' };
const THIRTY_DAYS_S = 30 * 86_400;
const subscription = (originMs?: number) => ({ businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: THIRTY_DAYS_S, ...(originMs !== undefined ? { originMs } : {}) } } });

interface VersionView {
  createdAtMs: number;
  successorChannel?: string;
  successorCreatedAtMs?: number;
}

describe('dao chaincode: subscription periods across a join on the real network', () => {
  const ctx = testStackContext();
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string, channel: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(channel);
  let v1: VersionView;
  let v2: VersionView;

  beforeAll(async () => {
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP1, role: 'VSP' }, { mspId: VSP2, role: 'VSP' }]);
    await deployTestChaincode(ctx, V1, [DSP, VSP1]);
    await deployTestChaincode(ctx, V2, [DSP, VSP1, VSP2]);
    for (const msp of [DSP, VSP1, VSP2]) conns[msp] = await connectAs(ctx, msp);
    const init = async (cc: typeof V1, agreement: { members: readonly { mspId: string }[] }) => {
      const identities = await Promise.all(agreement.members.map((m) => enrollClientIdentity(ctx, m.mspId, 'it-chaincode')));
      await submit(net(DSP, cc.channel), cc.name, 'InitVersion', JSON.stringify(agreement), JSON.stringify(acceptancesOf(agreement, identities, V1.name)));
    };
    const first = twoVersionAgreements({ daoId: 'itgrid', dsp: DSP, vsp1: VSP1, vsp2: VSP2, terms: subscription() });
    await init(V1, first[1]);
    v1 = JSON.parse(await evaluate(net(VSP1, V1.channel), V1.name, 'GetVersion')) as VersionView;
    // Version 2 continues version 1's periods: its origin is version 1's creation.
    const continued = twoVersionAgreements({ daoId: 'itgrid', dsp: DSP, vsp1: VSP1, vsp2: VSP2, terms: subscription(v1.createdAtMs) });
    await init(V2, continued[2]);
    v2 = JSON.parse(await evaluate(net(VSP2, V2.channel), V2.name, 'GetVersion')) as VersionView;
    await submit(net(DSP, V1.channel), V1.name, 'RecordSuccessor', JSON.stringify({ chaincode: V2.name }));
  }, 900_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  it('charges period 0 on version 1 only, also after the successor is recorded, and refuses it on version 2', async () => {
    const superseded = JSON.parse(await evaluate(net(DSP, V1.channel), V1.name, 'GetVersion')) as VersionView;
    expect(superseded).toMatchObject({ successorChannel: V2.channel, successorCreatedAtMs: v2.createdAtMs });
    // Period 0 began at version 1's creation, before version 2 existed: version 1's, chargeable there now.
    const charged = JSON.parse((await submit(net(VSP1, V1.channel), V1.name, 'ChargeSubscription', '0')).result) as Record<string, unknown>;
    expect(charged).toMatchObject({ period: 0, charged: true, amount: '9900', startsAtMs: v1.createdAtMs, allocation: { level: 1 } });
    expect(await failure(() => submit(net(VSP2, V2.channel), V2.name, 'ChargeSubscription', '0'))).toMatch(/CONFLICT: period 0 began at \S+, before version 2 was created/);
    // Period 1 begins after version 2's creation: version 2's (not yet begun), refused on version 1.
    expect(await failure(() => submit(net(DSP, V1.channel), V1.name, 'ChargeSubscription', '1'))).toMatch(/CONFLICT: version 1 is superseded: period 1 begins at \S+, when dao-itgrid-v2 is top/);
    expect(await failure(() => submit(net(DSP, V2.channel), V2.name, 'ChargeSubscription', '1'))).toMatch(/CONFLICT: period 1 begins at \S+, after this transaction's time/);
    expect(new Date(v1.createdAtMs + THIRTY_DAYS_S * 1000).toISOString()).toBe((await failure(() => submit(net(DSP, V2.channel), V2.name, 'ChargeSubscription', '1'))).match(/period 1 begins at (\S+),/)?.[1]);
  });
});
