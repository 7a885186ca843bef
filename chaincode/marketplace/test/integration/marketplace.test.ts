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
const H = 180 * 24 * 60 * 60 * 1000;

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

  it('decays a reputation with the 180-day half-life, read at a reference time, and counts a co-member\'s abandonment report once', async () => {
    // A fresh participant per run (registered by the operator; it never signs): its record starts empty.
    const target = `Rep${run}MSP`;
    const daoId = `rep-${run}`;
    await submit(net(OP), CC.name, 'RegisterParticipant', JSON.stringify({ mspId: target, role: 'VSP', name: 'Rated Co', caCertPem: orgCaCertificate(ctx, VSP) }));
    expect(JSON.parse(await evaluate(net(OP), CC.name, 'GetReputation', target))).toMatchObject({ count: 0, weightMicro: 0, scoreMilli: 3000 });
    await submit(net(DSP), CC.name, 'PublishDao', JSON.stringify({ daoId, name: 'Reputation DAO', summary: 'test', version: 1, members: [DSP, VSP, target], status: 'active' }));
    const given = await submit(net(VSP), CC.name, 'SubmitFeedback', JSON.stringify({ daoId, target, rating: 5, commentDigest: DIGEST }));
    const rated = JSON.parse(given.result) as { asOfMs: number };
    // One rating of 5 with a prior of one 3: (5 + 3) / 2 = 4.000, as of the transaction's timestamp.
    expect(rated).toMatchObject({ mspId: target, count: 1, sum: 5, weightMicro: 1_000_000, sumMicro: 5_000_000, halfLifeMs: H, scoreMilli: 4000 });
    const at = async (ms: number) => JSON.parse(await evaluate(net(OP), CC.name, 'GetReputationAt', target, String(ms))) as Record<string, number>;
    // Half-lives later, on the peers: W = 0.5, S = 2.5 → 5.5 / 1.5 = 3.666; W = 0.25, S = 1.25 → 4.25 / 1.25 = 3.400.
    expect(await at(rated.asOfMs + H)).toMatchObject({ weightMicro: 500_000, sumMicro: 2_500_000, scoreMilli: 3666, asOfMs: rated.asOfMs + H });
    expect(await at(rated.asOfMs + 2 * H)).toMatchObject({ weightMicro: 250_000, sumMicro: 1_250_000, scoreMilli: 3400 });
    expect(await failure(() => evaluate(net(OP), CC.name, 'GetReputationAt', target, String(rated.asOfMs - 1)))).toMatch(/INVALID_ARGUMENT: atMs: the reputation of Rep\w+MSP was last updated at/);
    // An abandonment the DAO channel recorded, reported by a co-member: weighs two ratings of 0.
    const report = JSON.stringify({ daoId, member: target, channel: `dao-${daoId}-v1`, daoTxId: randomBytes(32).toString('hex') });
    const reported = await submit(net(DSP), CC.name, 'ReportAbandonment', report);
    const after = JSON.parse(reported.result) as { asOfMs: number; weightMicro: number; sumMicro: number; scoreMilli: number; abandonments: number };
    expect(after.abandonments).toBe(1);
    expect(await eventOf(net(OP), CC.name, reported)).toMatchObject({ name: 'AbandonmentReported', payload: { abandonment: { daoId, member: target, reportedBy: DSP }, reputation: { abandonments: 1 } } });
    // By hand from what the peers stored: W and S decayed over the seconds between the two
    // transactions, plus 2 and 0; the score from them with the prior.
    expect(after.weightMicro).toBeGreaterThan(2_999_000);
    expect(after.weightMicro).toBeLessThanOrEqual(3_000_000);
    expect(after.scoreMilli).toBe(Math.floor((after.sumMicro * 1000 + 3_000_000_000) / (after.weightMicro + 1_000_000)));
    expect([1999, 2000]).toContain(after.scoreMilli); // (≈5 + 3) / (≈3 + 1): 2.000, a hair under once W and S decayed
    expect(await failure(() => submit(net(VSP), CC.name, 'ReportAbandonment', report))).toMatch(/CONFLICT: an abandonment of Rep\w+MSP in DAO rep-\w+ is already recorded/);
    expect(JSON.parse(await evaluate(net(OP), CC.name, 'ListAbandonments', target))).toEqual([expect.objectContaining({ daoId, member: target, reportedBy: DSP })]);
  });

  it('lets only the operator suspend a participant, with a reason; a suspended one posts no offer until reinstated', async () => {
    const sanction = (reason: string) => JSON.stringify({ mspId: VSP, reason });
    // A run that stopped half-way left it suspended: lift that first.
    if ((JSON.parse(await evaluate(net(OP), CC.name, 'GetParticipant', VSP)) as { status: string }).status === 'suspended') await submit(net(OP), CC.name, 'ReinstateParticipant', sanction('cleanup'));
    expect(await failure(() => submit(net(DSP), CC.name, 'SuspendParticipant', sanction('rival')))).toMatch(/FORBIDDEN: ItDspMSP may not suspend participants/);
    expect(await failure(() => submit(net(OP), CC.name, 'SuspendParticipant', JSON.stringify({ mspId: VSP })))).toMatch(/INVALID_ARGUMENT: sanction\.reason/);
    const suspended = await submit(net(OP), CC.name, 'SuspendParticipant', sanction(`run ${run}: abandoned two DAOs`));
    try {
      expect(await eventOf(net(DSP), CC.name, suspended)).toMatchObject({ name: 'ParticipantSuspended', payload: { mspId: VSP, reason: `run ${run}: abandoned two DAOs`, by: expect.stringMatching(/^OperatorMSP:x509::/) } });
      expect(JSON.parse(await evaluate(net(DSP), CC.name, 'GetParticipant', VSP))).toMatchObject({ status: 'suspended', sanction: { reason: `run ${run}: abandoned two DAOs` } });
      const offer = JSON.stringify({ offerId: `sus-${run}`, kind: 'value', title: 'Analytics', terms: {}, descriptionDigest: DIGEST });
      expect(await failure(() => submit(net(VSP), CC.name, 'PostOffer', offer))).toMatch(/FORBIDDEN: ItVspOneMSP is suspended and may not post offers/);
      expect(await failure(() => submit(net(OP), CC.name, 'SuspendParticipant', sanction('again')))).toMatch(/CONFLICT: ItVspOneMSP is suspended already/);
      expect(await failure(() => submit(net(VSP), CC.name, 'ReinstateParticipant', sanction('self')))).toMatch(/FORBIDDEN: ItVspOneMSP may not reinstate participants/);
    } finally {
      const lifted = await submit(net(OP), CC.name, 'ReinstateParticipant', sanction(`run ${run}: appeal granted`));
      expect((await eventOf(net(OP), CC.name, lifted)).name).toBe('ParticipantReinstated');
    }
    expect(JSON.parse(await evaluate(net(OP), CC.name, 'GetParticipant', VSP))).toMatchObject({ status: 'active' });
    await submit(net(VSP), CC.name, 'PostOffer', JSON.stringify({ offerId: `sus-${run}`, kind: 'value', title: 'Analytics', terms: {}, descriptionDigest: DIGEST }));
  });
});
