import { randomBytes } from 'node:crypto';
import type { GatewayConnection } from '@datawell/fabric';
import { orgCaCertificate } from '@datawell/stack';
import { testStackContext } from '@datawell/testing';
import { connectAs, deployTestChaincode, evaluate, eventOf, failure, submit } from '@datawell/testing';

/*
 * The marketplace chaincode on the real network, deployed as `it-marketplace` on the test channel
 * it-marketplace (the operator and two participants) so the real `marketplace` deployment is left
 * alone. Organisations and channel have fixed names (shared, persistent stack); participants are
 * admitted once; offers, DAOs and feedback use fresh ids every run.
 */
const OP = 'OperatorMSP';
const DSP = 'ItDspMSP';
const VSP = 'ItVspOneMSP';
const CC = { name: 'it-marketplace', channel: 'it-marketplace', module: 'chaincode/marketplace' };
const run = randomBytes(4).toString('hex');
const DIGEST = '12'.repeat(32);

describe('marketplace chaincode on the real network', () => {
  const ctx = testStackContext();
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(CC.channel);

  beforeAll(async () => {
    await deployTestChaincode(ctx, CC, [OP, DSP, VSP]);
    for (const msp of [OP, DSP, VSP]) conns[msp] = await connectAs(ctx, msp);
    for (const [mspId, role, name] of [
      [DSP, 'DSP', 'Integration data owner'],
      [VSP, 'VSP', 'Integration analytics'],
    ] as const) {
      const known = await failure(() => evaluate(net(OP), CC.name, 'GetParticipant', mspId)).catch(() => 'registered');
      if (known.includes('NOT_FOUND')) await submit(net(OP), CC.name, 'RegisterParticipant', JSON.stringify({ mspId, role, name, caCertPem: orgCaCertificate(ctx, mspId) }));
    }
  }, 900_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  it('admits participants only from the operator', async () => {
    const caCertPem = orgCaCertificate(ctx, DSP);
    expect(JSON.parse(await evaluate(net(VSP), CC.name, 'GetParticipant', DSP))).toMatchObject({ mspId: DSP, role: 'DSP', registeredBy: OP });
    expect(await failure(() => submit(net(DSP), CC.name, 'RegisterParticipant', JSON.stringify({ mspId: `X${run}MSP`, role: 'VSP', name: 'x', caCertPem })))).toMatch(/FORBIDDEN: ItDspMSP may not admit participants/);
    expect(await failure(() => submit(net(OP), CC.name, 'RegisterParticipant', JSON.stringify({ mspId: DSP, role: 'DSP', name: 'again', caCertPem })))).toMatch(/CONFLICT: participant ItDspMSP is already registered/);
  });

  it('records the CA certificate of a participant in its record and in ParticipantRegistered, and refuses a non-certificate', async () => {
    const mspId = `Reg${run}MSP`;
    const caCertPem = orgCaCertificate(ctx, VSP);
    expect(await failure(() => submit(net(OP), CC.name, 'RegisterParticipant', JSON.stringify({ mspId, role: 'VSP', name: 'x', caCertPem: 'not a certificate' })))).toMatch(/INVALID_ARGUMENT: participant\.caCertPem: must be one PEM certificate/);
    expect(await failure(() => submit(net(OP), CC.name, 'RegisterParticipant', JSON.stringify({ mspId, role: 'VSP', name: 'x' })))).toMatch(/INVALID_ARGUMENT: participant\.caCertPem/);
    const registered = await submit(net(OP), CC.name, 'RegisterParticipant', JSON.stringify({ mspId, role: 'VSP', name: 'Certified Co', caCertPem }));
    expect(await eventOf(net(VSP), CC.name, registered)).toMatchObject({ name: 'ParticipantRegistered', payload: { mspId, role: 'VSP', name: 'Certified Co', status: 'active', caCertPem } });
    expect(JSON.parse(await evaluate(net(DSP), CC.name, 'GetParticipant', mspId))).toMatchObject({ mspId, caCertPem });
  });

  it('posts, updates and withdraws an offer owned by the caller, with one event per transaction', async () => {
    const offerId = `offer-${run}`;
    const posted = await submit(net(DSP), CC.name, 'PostOffer', JSON.stringify({ offerId, kind: 'data', title: 'Meter readings', terms: { pricePerUse: 500 }, descriptionDigest: DIGEST }));
    expect(await eventOf(net(VSP), CC.name, posted)).toMatchObject({ name: 'OfferPosted', payload: { type: 'OfferPosted', offerId, owner: DSP, channel: CC.channel } });
    expect(await failure(() => submit(net(VSP), CC.name, 'UpdateOffer', JSON.stringify({ offerId, title: 'hijacked' })))).toMatch(/FORBIDDEN: ItVspOneMSP does not own offer/);
    await submit(net(DSP), CC.name, 'UpdateOffer', JSON.stringify({ offerId, terms: { pricePerUse: 450 } }));
    const withdrawn = await submit(net(DSP), CC.name, 'WithdrawOffer', offerId);
    expect((await eventOf(net(DSP), CC.name, withdrawn)).name).toBe('OfferWithdrawn');
    expect(JSON.parse(await evaluate(net(OP), CC.name, 'GetOffer', offerId))).toMatchObject({ status: 'withdrawn', revision: 3, terms: { pricePerUse: 450 } });
  });

  it('takes feedback only between organisations sharing a DAO in the directory, and updates the reputation', async () => {
    const daoId = `it-${run}`;
    const fb = JSON.stringify({ daoId, target: DSP, rating: 4, commentDigest: DIGEST });
    expect(await failure(() => submit(net(VSP), CC.name, 'SubmitFeedback', fb))).toMatch(/NOT_FOUND: no DAO it-/);
    await submit(net(DSP), CC.name, 'PublishDao', JSON.stringify({ daoId, name: 'Integration DAO', summary: 'test', version: 1, members: [DSP, VSP], status: 'active' }));
    const before = JSON.parse(await evaluate(net(OP), CC.name, 'GetReputation', DSP)) as { count: number; sum: number };
    const given = await submit(net(VSP), CC.name, 'SubmitFeedback', fb);
    expect(JSON.parse(given.result)).toMatchObject({ mspId: DSP, count: before.count + 1, sum: before.sum + 4 });
    expect((await eventOf(net(OP), CC.name, given)).name).toBe('FeedbackSubmitted');
    expect(await failure(() => submit(net(VSP), CC.name, 'SubmitFeedback', fb))).toMatch(/CONFLICT: ItVspOneMSP has already rated ItDspMSP/);
    expect(await failure(() => submit(net(VSP), CC.name, 'SubmitFeedback', JSON.stringify({ daoId, target: DSP, rating: 9, commentDigest: DIGEST })))).toMatch(/INVALID_ARGUMENT: feedback\.rating/);
  });
});
