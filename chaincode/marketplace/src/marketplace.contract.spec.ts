import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { compositeKey, MemoryLedger, writeJson } from '@datawell/chaincode-common';
import { MARKETPLACE, REPUTATION_HALF_LIFE_MS } from '@datawell/contracts';
import { MarketplaceContract } from './marketplace.contract';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A self-signed certificate, a CA's (CA:TRUE) or not. */
async function selfSigned(ca: boolean): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(ALG, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${ca ? 'ca-test' : 'leaf-test'}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(ca, undefined, true)],
  });
  return cert.toString('pem');
}

let CA_PEM = '';
let LEAF_PEM = '';
beforeAll(async () => {
  [CA_PEM, LEAF_PEM] = await Promise.all([selfSigned(true), selfSigned(false)]);
});

const s = JSON.stringify;
const json = (text: string) => JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const OP = 'OperatorMSP';
const DSP = 'DspMSP';
const VSP = 'VspMSP';
const VSP2 = 'VspTwoMSP';
const STRANGER = 'StrangerMSP';
const DIGEST = 'cd'.repeat(32);
const H = REPUTATION_HALF_LIFE_MS;

async function market() {
  const ledger = new MemoryLedger('marketplace');
  const mk = new MarketplaceContract();
  for (const [mspId, role, name] of [
    [DSP, 'DSP', 'Data Owner Ltd'],
    [VSP, 'VSP', 'Analytics Co'],
    [VSP2, 'VSP', 'Hosting Co'],
  ] as const) {
    await ledger.submit(OP, (ctx) => mk.RegisterParticipant(ctx, s({ mspId, role, name, caCertPem: CA_PEM })));
  }
  return { ledger, mk };
}

const offer = (offerId: string, kind = 'data') => s({ offerId, kind, title: 'Hourly meter readings', terms: { pricePerUse: 1000, currency: 'EUR' }, descriptionDigest: DIGEST });

describe('MarketplaceContract participants', () => {
  it('lets only the operator admit participants, once, and emits ParticipantRegistered with the CA certificate', async () => {
    const { ledger, mk } = await market();
    expect(ledger.lastEvent()).toMatchObject({ name: 'ParticipantRegistered', payload: { mspId: VSP2, role: 'VSP', name: 'Hosting Co', status: 'active', caCertPem: CA_PEM, registeredBy: OP } });
    const p = (fields: Record<string, unknown>) => s({ mspId: STRANGER, role: 'VSP', name: 'x', caCertPem: CA_PEM, ...fields });
    await expect(ledger.submit(DSP, (ctx) => mk.RegisterParticipant(ctx, p({})))).rejects.toThrow(/^FORBIDDEN: DspMSP may not admit participants/);
    await expect(ledger.submit(OP, (ctx) => mk.RegisterParticipant(ctx, p({ mspId: DSP, role: 'DSP', name: 'again' })))).rejects.toThrow(/^CONFLICT: participant DspMSP is already registered/);
    await expect(ledger.submit(OP, (ctx) => mk.RegisterParticipant(ctx, p({ mspId: OP, role: 'DSP', name: 'me' })))).rejects.toThrow(/^INVALID_ARGUMENT: participant\.mspId: the operator/);
    await expect(ledger.submit(OP, (ctx) => mk.RegisterParticipant(ctx, p({ role: 'OWNER' })))).rejects.toThrow(/^INVALID_ARGUMENT: participant\.role/);
    await expect(ledger.submit(OP, (ctx) => mk.RegisterParticipant(ctx, p({ mspId: 'bad id' })))).rejects.toThrow(/^INVALID_ARGUMENT: participant\.mspId/);
    await expect(ledger.submit(OP, (ctx) => mk.RegisterParticipant(ctx, p({ name: '  ' })))).rejects.toThrow(/^INVALID_ARGUMENT: participant\.name: must not be empty/);
    expect(json(await ledger.evaluate(VSP, (ctx) => mk.GetParticipant(ctx, DSP)))).toMatchObject({ mspId: DSP, role: 'DSP', name: 'Data Owner Ltd', status: 'active', caCertPem: CA_PEM });
    expect(JSON.parse(await ledger.evaluate(VSP, (ctx) => mk.ListParticipants(ctx)))).toHaveLength(3);
    await expect(ledger.evaluate(VSP, (ctx) => mk.GetParticipant(ctx, STRANGER))).rejects.toThrow(/^NOT_FOUND: StrangerMSP is not a registered participant/);
  });

  it('requires the CA certificate: one readable PEM certificate of a CA, at most 8 KiB', async () => {
    const { ledger, mk } = await market();
    const register = (fields: Record<string, unknown>) => ledger.submit(OP, (ctx) => mk.RegisterParticipant(ctx, s({ mspId: STRANGER, role: 'VSP', name: 'x', ...fields })));
    await expect(register({})).rejects.toThrow(/^INVALID_ARGUMENT: participant\.caCertPem/);
    await expect(register({ caCertPem: 'hello' })).rejects.toThrow(/^INVALID_ARGUMENT: participant\.caCertPem: must be one PEM certificate/);
    await expect(register({ caCertPem: CA_PEM.replace('CERTIFICATE-----', 'PRIVATE KEY-----') })).rejects.toThrow(/^INVALID_ARGUMENT: participant\.caCertPem: must be one PEM certificate/);
    await expect(register({ caCertPem: `${CA_PEM.trim()}\n${CA_PEM}` })).rejects.toThrow(/^INVALID_ARGUMENT: participant\.caCertPem: must be one PEM certificate/);
    const corrupt = CA_PEM.replace(/\n([A-Za-z0-9+/]{10})/, '\nAAAAAAAAAA');
    await expect(register({ caCertPem: corrupt })).rejects.toThrow(/^INVALID_ARGUMENT: participant\.caCertPem: is not a readable X\.509 certificate/);
    await expect(register({ caCertPem: LEAF_PEM })).rejects.toThrow(/^INVALID_ARGUMENT: participant\.caCertPem: is not a CA certificate/);
    const huge = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(8200)}\n-----END CERTIFICATE-----\n`;
    await expect(register({ caCertPem: huge })).rejects.toThrow(/^INVALID_ARGUMENT: participant\.caCertPem: must be at most 8 KiB/);
    await ledger.submit(OP, (ctx) => mk.RegisterParticipant(ctx, s({ mspId: STRANGER, role: 'VSP', name: 'x', caCertPem: CA_PEM })));
    expect(json(await ledger.evaluate(DSP, (ctx) => mk.GetParticipant(ctx, STRANGER))).caCertPem).toBe(CA_PEM);
  });
});

describe('MarketplaceContract offers', () => {
  it('posts, updates and withdraws offers owned by the caller', async () => {
    const { ledger, mk } = await market();
    const posted = json(await ledger.submit(DSP, (ctx) => mk.PostOffer(ctx, offer('o-1'))));
    expect(posted).toMatchObject({ offerId: 'o-1', owner: DSP, status: 'open', revision: 1 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'OfferPosted', payload: { offerId: 'o-1', owner: DSP } });
    const updated = json(await ledger.submit(DSP, (ctx) => mk.UpdateOffer(ctx, s({ offerId: 'o-1', title: 'Meter readings, 15 min' }))));
    expect(updated).toMatchObject({ title: 'Meter readings, 15 min', terms: { pricePerUse: 1000 }, revision: 2 });
    expect(ledger.lastEvent()?.name).toBe('OfferUpdated');
    await ledger.submit(DSP, (ctx) => mk.WithdrawOffer(ctx, 'o-1'));
    expect(ledger.lastEvent()).toMatchObject({ name: 'OfferWithdrawn', payload: { offerId: 'o-1', revision: 3 } });
    expect(json(await ledger.evaluate(VSP, (ctx) => mk.GetOffer(ctx, 'o-1')))['status']).toBe('withdrawn');
    await expect(ledger.submit(DSP, (ctx) => mk.UpdateOffer(ctx, s({ offerId: 'o-1', title: 'again' })))).rejects.toThrow(/^CONFLICT: offer o-1 is withdrawn/);
  });

  it('checks the owner, the participant, the kind and every field', async () => {
    const { ledger, mk } = await market();
    await ledger.submit(DSP, (ctx) => mk.PostOffer(ctx, offer('o-1')));
    await expect(ledger.submit(VSP, (ctx) => mk.UpdateOffer(ctx, s({ offerId: 'o-1', title: 'mine now' })))).rejects.toThrow(/^FORBIDDEN: VspMSP does not own offer o-1/);
    await expect(ledger.submit(VSP, (ctx) => mk.WithdrawOffer(ctx, 'o-1'))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(STRANGER, (ctx) => mk.PostOffer(ctx, offer('o-2')))).rejects.toThrow(/^FORBIDDEN: StrangerMSP is not a registered participant/);
    await expect(ledger.submit(OP, (ctx) => mk.PostOffer(ctx, offer('o-2')))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(VSP, (ctx) => mk.PostOffer(ctx, offer('o-2', 'data')))).rejects.toThrow(/^INVALID_ARGUMENT: offer\.kind: a VSP posts value offers/);
    await expect(ledger.submit(DSP, (ctx) => mk.PostOffer(ctx, offer('o-1')))).rejects.toThrow(/^CONFLICT: offer o-1 exists/);
    await expect(ledger.submit(DSP, (ctx) => mk.PostOffer(ctx, s({ offerId: 'o-3', kind: 'data', title: 't', terms: { price: 9.99 }, descriptionDigest: DIGEST })))).rejects.toThrow(
      /^INVALID_ARGUMENT: offer\.terms/,
    );
    await expect(ledger.submit(DSP, (ctx) => mk.PostOffer(ctx, s({ offerId: 'o-3', kind: 'data', title: 't', terms: {}, descriptionDigest: 'nope' })))).rejects.toThrow(/^INVALID_ARGUMENT: offer\.descriptionDigest/);
    await expect(ledger.submit(DSP, (ctx) => mk.UpdateOffer(ctx, s({ offerId: 'o-1' })))).rejects.toThrow(/^INVALID_ARGUMENT: update: must change at least one/);
    await expect(ledger.submit(DSP, (ctx) => mk.WithdrawOffer(ctx, 'o-404'))).rejects.toThrow(/^NOT_FOUND: no offer o-404/);
    expect(json(await ledger.submit(VSP, (ctx) => mk.PostOffer(ctx, offer('v-1', 'value'))))['owner']).toBe(VSP);
    expect(JSON.parse(await ledger.evaluate(OP, (ctx) => mk.ListOffers(ctx))).map((o: { offerId: string }) => o.offerId)).toEqual(['o-1', 'v-1']);
  });
});

describe('MarketplaceContract DAO directory and feedback', () => {
  const entry = (overrides: Record<string, unknown> = {}) => s({ daoId: 'acme', name: 'Acme energy', summary: 'Meter data with analytics', version: 1, members: [DSP, VSP], status: 'active', ...overrides });

  it('publishes a DAO entry from its DSP and moves versions forward only', async () => {
    const { ledger, mk } = await market();
    expect(json(await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry())))).toMatchObject({ channel: 'dao-acme-v1', publishedBy: DSP });
    expect(ledger.lastEvent()).toMatchObject({ name: 'DaoPublished', payload: { daoId: 'acme', created: true } });
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ version: 2, members: [DSP, VSP, VSP2] })));
    expect(json(await ledger.evaluate(VSP2, (ctx) => mk.GetDao(ctx, 'acme')))).toMatchObject({ version: 2, channel: 'dao-acme-v2', members: [DSP, VSP, VSP2] });
    await expect(ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ version: 1 })))).rejects.toThrow(/^CONFLICT: DAO acme is at version 2/);
    await expect(ledger.submit(VSP, (ctx) => mk.PublishDao(ctx, entry({ daoId: 'other' })))).rejects.toThrow(/^FORBIDDEN: VspMSP is a VSP/);
    await expect(ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ daoId: 'other', members: [VSP, VSP2] })))).rejects.toThrow(/^FORBIDDEN: DspMSP is not a member of DAO other/);
    await expect(ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ daoId: 'other', members: [DSP, STRANGER] })))).rejects.toThrow(/^INVALID_ARGUMENT: entry\.members\.1: StrangerMSP is not a registered participant/);
    await expect(ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ daoId: 'Other' })))).rejects.toThrow(/^INVALID_ARGUMENT: entry\.daoId/);
    await expect(ledger.evaluate(DSP, (ctx) => mk.GetDao(ctx, 'none'))).rejects.toThrow(/^NOT_FOUND/);
  });

  it('takes feedback only between organisations that share a DAO, once per DAO and pair, and keeps an integer reputation', async () => {
    const { ledger, mk } = await market();
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry()));
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ daoId: 'beta', members: [DSP, VSP, VSP2] })));
    const fb = (daoId: string, target: string, rating: number) => s({ daoId, target, rating, commentDigest: DIGEST });
    const t0 = ledger.timeMs;
    // W = 1, S = 5: (5 + 1·3) / (1 + 1) = 4.000 (one neutral prior rating of 3).
    expect(json(await ledger.submit(DSP, (ctx) => mk.SubmitFeedback(ctx, fb('acme', VSP, 5))))).toEqual({
      mspId: VSP, count: 1, sum: 5, abandonments: 0, weightMicro: 1_000_000, sumMicro: 5_000_000, asOfMs: t0, halfLifeMs: H, scoreMilli: 4000,
    });
    expect(ledger.lastEvent()).toMatchObject({ name: 'FeedbackSubmitted', payload: { feedback: { from: DSP, target: VSP, rating: 5 }, reputation: { scoreMilli: 4000 } } });
    // The same pair in another DAO they share is another rating: W = 2, S = 9 → 12 / 3 = 4.000.
    await ledger.submit(DSP, (ctx) => mk.SubmitFeedback(ctx, fb('beta', VSP, 4)));
    // W = 3, S = 10 → 13 / 4 = 3.250.
    expect(json(await ledger.submit(VSP2, (ctx) => mk.SubmitFeedback(ctx, fb('beta', VSP, 1))))).toMatchObject({ mspId: VSP, count: 3, sum: 10, weightMicro: 3_000_000, sumMicro: 10_000_000, scoreMilli: 3250 });
    expect(json(await ledger.evaluate(OP, (ctx) => mk.GetReputation(ctx, VSP)))['scoreMilli']).toBe(3250);
    expect(JSON.parse(await ledger.evaluate(OP, (ctx) => mk.ListFeedback(ctx, VSP)))).toHaveLength(3);
    await expect(ledger.submit(DSP, (ctx) => mk.SubmitFeedback(ctx, fb('acme', VSP, 1)))).rejects.toThrow(/^CONFLICT: DspMSP has already rated VspMSP for DAO acme/);
    await expect(ledger.submit(VSP2, (ctx) => mk.SubmitFeedback(ctx, fb('acme', VSP, 1)))).rejects.toThrow(/^FORBIDDEN: VspTwoMSP and VspMSP do not share DAO acme/);
    await expect(ledger.submit(STRANGER, (ctx) => mk.SubmitFeedback(ctx, fb('acme', VSP, 1)))).rejects.toThrow(/^FORBIDDEN: StrangerMSP is not a registered participant/);
    await expect(ledger.submit(VSP, (ctx) => mk.SubmitFeedback(ctx, fb('acme', VSP, 5)))).rejects.toThrow(/^INVALID_ARGUMENT: feedback\.target: an organisation does not rate itself/);
    for (const rating of [0, 6, 4.5]) {
      await expect(ledger.submit(VSP, (ctx) => mk.SubmitFeedback(ctx, fb('acme', DSP, rating)))).rejects.toThrow(/^INVALID_ARGUMENT: feedback\.rating/);
    }
    await expect(ledger.submit(VSP, (ctx) => mk.SubmitFeedback(ctx, fb('nope', DSP, 3)))).rejects.toThrow(/^NOT_FOUND: no DAO nope/);
    await expect(ledger.submit(VSP, (ctx) => mk.SubmitFeedback(ctx, fb('acme', STRANGER, 3)))).rejects.toThrow(/^NOT_FOUND: StrangerMSP is not a registered participant/);
    // Nobody rated VspTwoMSP: the prior alone, 3.000.
    expect(json(await ledger.evaluate(OP, (ctx) => mk.GetReputation(ctx, VSP2)))).toMatchObject({ mspId: VSP2, count: 0, sum: 0, abandonments: 0, weightMicro: 0, sumMicro: 0, scoreMilli: 3000 });
  });

  it('decays ratings with the half-life: figures by hand', async () => {
    const { ledger, mk } = await market();
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ members: [DSP, VSP, VSP2] })));
    const t0 = ledger.timeMs;
    await ledger.submit(DSP, (ctx) => mk.SubmitFeedback(ctx, s({ daoId: 'acme', target: VSP, rating: 5, commentDigest: DIGEST })));
    const at = async (ms: number) => json(await ledger.evaluate(OP, (ctx) => mk.GetReputationAt(ctx, VSP, String(ms))));
    expect(await at(t0)).toMatchObject({ weightMicro: 1_000_000, sumMicro: 5_000_000, scoreMilli: 4000 });
    // Half a half-life: 2^−½ = 0.707106781 → W = 707106, S = 3535533; (3.535533 + 3) / 1.707106 = 3.828.
    expect(await at(t0 + H / 2)).toMatchObject({ weightMicro: 707_106, sumMicro: 3_535_533, scoreMilli: 3828 });
    // One half-life: W = 0.5, S = 2.5 → 5.5 / 1.5 = 3.666; two: W = 0.25, S = 1.25 → 4.25 / 1.25 = 3.400.
    expect(await at(t0 + H)).toMatchObject({ weightMicro: 500_000, sumMicro: 2_500_000, scoreMilli: 3666, asOfMs: t0 + H, count: 1, sum: 5 });
    expect(await at(t0 + 2 * H)).toMatchObject({ weightMicro: 250_000, sumMicro: 1_250_000, scoreMilli: 3400 });
    // GetReputation reads at the transaction's own timestamp.
    ledger.timeMs = t0 + H;
    expect(json(await ledger.evaluate(OP, (ctx) => mk.GetReputation(ctx, VSP)))['scoreMilli']).toBe(3666);
    // A rating of 1 one half-life later: W = 0.5 + 1, S = 2.5 + 1 → 6.5 / 2.5 = 2.600; stored as of t0 + H.
    expect(json(await ledger.submit(VSP2, (ctx) => mk.SubmitFeedback(ctx, s({ daoId: 'acme', target: VSP, rating: 1, commentDigest: DIGEST }))))).toMatchObject({
      count: 2, sum: 6, weightMicro: 1_500_000, sumMicro: 3_500_000, asOfMs: t0 + H, scoreMilli: 2600,
    });
    // Another half-life on: W = 0.75, S = 1.75 → 4.75 / 1.75 = 2.714.
    expect(await at(t0 + 2 * H)).toMatchObject({ weightMicro: 750_000, sumMicro: 1_750_000, scoreMilli: 2714 });
    // Not kept for a time before the last update.
    await expect(at(t0 + H - 1)).rejects.toThrow(/^INVALID_ARGUMENT: atMs: the reputation of VspMSP was last updated at/);
    await expect(ledger.evaluate(OP, (ctx) => mk.GetReputationAt(ctx, VSP, '-5'))).rejects.toThrow(/^INVALID_ARGUMENT: atMs: must be a time in ms/);
    await expect(ledger.evaluate(OP, (ctx) => mk.GetReputationAt(ctx, STRANGER, String(t0)))).rejects.toThrow(/^NOT_FOUND/);
    // A transaction timestamp earlier than the last update (another client's clock) decays nothing.
    ledger.timeMs = t0;
    expect(json(await ledger.evaluate(OP, (ctx) => mk.GetReputation(ctx, VSP)))).toMatchObject({ weightMicro: 1_500_000, asOfMs: t0 + H, scoreMilli: 2600 });
  });

  it('reads a reputation written before decay as its ratings undecayed as of now, and goes on from there', async () => {
    const { ledger, mk } = await market();
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry()));
    // The record an earlier version of the chaincode wrote: count, sum and the plain mean only.
    await ledger.submit(OP, (ctx) => writeJson(ctx, compositeKey(ctx, 'reputation', [VSP]), { mspId: VSP, count: 2, sum: 9, scoreMilli: 4500 }));
    const t = ledger.timeMs;
    // W = 2, S = 9 as of now: (9 + 3) / (2 + 1) = 4.000.
    expect(json(await ledger.evaluate(OP, (ctx) => mk.GetReputation(ctx, VSP)))).toEqual({
      mspId: VSP, count: 2, sum: 9, abandonments: 0, weightMicro: 2_000_000, sumMicro: 9_000_000, asOfMs: t, halfLifeMs: H, scoreMilli: 4000,
    });
    // A rating of 1: W = 3, S = 10 → 13 / 4 = 3.250, now stored in the decayed form.
    expect(json(await ledger.submit(DSP, (ctx) => mk.SubmitFeedback(ctx, s({ daoId: 'acme', target: VSP, rating: 1, commentDigest: DIGEST }))))).toMatchObject({ count: 3, sum: 10, weightMicro: 3_000_000, sumMicro: 10_000_000, scoreMilli: 3250 });
  });

  it('counts an abandonment reported by a co-member, once per DAO and member, against the member', async () => {
    const { ledger, mk } = await market();
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ version: 2, members: [DSP, VSP] })));
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ daoId: 'beta', members: [DSP, VSP, VSP2] })));
    const report = (fields: Record<string, unknown> = {}) => s({ daoId: 'acme', member: VSP, channel: 'dao-acme-v2', daoTxId: 'ab12'.repeat(16), ...fields });
    const t0 = ledger.timeMs;
    // W = 2 (an abandonment weighs two ratings of 0), S = 0 → 3 / 3 = 1.000.
    expect(json(await ledger.submit(DSP, (ctx) => mk.ReportAbandonment(ctx, report())))).toMatchObject({ mspId: VSP, count: 0, abandonments: 1, weightMicro: 2_000_000, sumMicro: 0, scoreMilli: 1000 });
    expect(ledger.lastEvent()).toMatchObject({
      name: 'AbandonmentReported',
      payload: { abandonment: { daoId: 'acme', member: VSP, channel: 'dao-acme-v2', reportedBy: DSP, atMs: t0 }, reputation: { abandonments: 1, scoreMilli: 1000 } },
    });
    await expect(ledger.submit(DSP, (ctx) => mk.ReportAbandonment(ctx, report({ daoTxId: 'ffff' })))).rejects.toThrow(/^CONFLICT: an abandonment of VspMSP in DAO acme is already recorded/);
    await expect(ledger.submit(VSP2, (ctx) => mk.ReportAbandonment(ctx, report()))).rejects.toThrow(/^FORBIDDEN: VspTwoMSP and VspMSP do not share DAO acme/);
    await expect(ledger.submit(VSP, (ctx) => mk.ReportAbandonment(ctx, report({ member: DSP })))).resolves.toBeDefined();
    await expect(ledger.submit(VSP2, (ctx) => mk.ReportAbandonment(ctx, report({ daoId: 'beta', member: VSP2, channel: 'dao-beta-v1' })))).rejects.toThrow(/^INVALID_ARGUMENT: report\.member: an organisation does not report itself/);
    await expect(ledger.submit(VSP2, (ctx) => mk.ReportAbandonment(ctx, report({ daoId: 'beta', channel: 'dao-acme-v1' })))).rejects.toThrow(/^INVALID_ARGUMENT: report\.channel: dao-acme-v1 is not a channel of DAO beta/);
    await expect(ledger.submit(VSP2, (ctx) => mk.ReportAbandonment(ctx, report({ daoId: 'beta', channel: 'dao-beta-v2' })))).rejects.toThrow(/^INVALID_ARGUMENT: report\.channel: DAO beta is at version 1/);
    await expect(ledger.submit(VSP2, (ctx) => mk.ReportAbandonment(ctx, report({ daoId: 'beta', channel: 'dao-beta-v1', daoTxId: 'not a tx' })))).rejects.toThrow(/^INVALID_ARGUMENT: report\.daoTxId/);
    await expect(ledger.submit(STRANGER, (ctx) => mk.ReportAbandonment(ctx, report()))).rejects.toThrow(/^FORBIDDEN: StrangerMSP is not a registered participant/);
    await expect(ledger.submit(VSP2, (ctx) => mk.ReportAbandonment(ctx, report({ daoId: 'gamma', channel: 'dao-gamma-v1' })))).rejects.toThrow(/^NOT_FOUND: no DAO gamma/);
    // The same member abandoned in another DAO counts again; and a later rating mixes in:
    // W = 2 + 2 = 4, S = 0 → 3 / 5 = 0.600; then a 5 from DspMSP: W = 5, S = 5 → 8 / 6 = 1.333.
    expect(json(await ledger.submit(VSP2, (ctx) => mk.ReportAbandonment(ctx, report({ daoId: 'beta', channel: 'dao-beta-v1' }))))).toMatchObject({ abandonments: 2, weightMicro: 4_000_000, scoreMilli: 600 });
    expect(json(await ledger.submit(DSP, (ctx) => mk.SubmitFeedback(ctx, s({ daoId: 'acme', target: VSP, rating: 5, commentDigest: DIGEST }))))).toMatchObject({ count: 1, abandonments: 2, weightMicro: 5_000_000, sumMicro: 5_000_000, scoreMilli: 1333 });
    // Abandonments fade like ratings: one half-life later W = 2.5, S = 2.5 → 5.5 / 3.5 = 1.571.
    expect(json(await ledger.evaluate(OP, (ctx) => mk.GetReputationAt(ctx, VSP, String(t0 + H))))).toMatchObject({ abandonments: 2, weightMicro: 2_500_000, sumMicro: 2_500_000, scoreMilli: 1571 });
    expect(JSON.parse(await ledger.evaluate(OP, (ctx) => mk.ListAbandonments(ctx, VSP))).map((a: { daoId: string }) => a.daoId)).toEqual(['acme', 'beta']);
  });
  it('writes the same bytes whatever the key order of the input', async () => {
    const a = await market();
    const b = await market();
    await a.ledger.submit(DSP, (ctx) => a.mk.PostOffer(ctx, s({ offerId: 'o', kind: 'data', title: 't', terms: { b: 1, a: 2 }, descriptionDigest: DIGEST })));
    await b.ledger.submit(DSP, (ctx) => b.mk.PostOffer(ctx, s({ descriptionDigest: DIGEST, terms: { a: 2, b: 1 }, title: 't', kind: 'data', offerId: 'o' })));
    expect(b.ledger.dump()).toEqual(a.ledger.dump());
  });
});

describe('MarketplaceContract sanctions', () => {
  it('lets only the operator suspend and reinstate a participant, each with a reason, and a suspended one posts no offers', async () => {
    const { ledger, mk } = await market();
    await ledger.submit(VSP, (ctx) => mk.PostOffer(ctx, offer('v-1', 'value')));
    const sanction = (mspId: string, reason: unknown) => s({ mspId, reason });
    await expect(ledger.submit(DSP, (ctx) => mk.SuspendParticipant(ctx, sanction(VSP, 'spam')))).rejects.toThrow(/^FORBIDDEN: DspMSP may not suspend participants/);
    await expect(ledger.submit(OP, (ctx) => mk.SuspendParticipant(ctx, sanction(VSP, '  ')))).rejects.toThrow(/^INVALID_ARGUMENT: sanction\.reason: must not be empty/);
    await expect(ledger.submit(OP, (ctx) => mk.SuspendParticipant(ctx, s({ mspId: VSP })))).rejects.toThrow(/^INVALID_ARGUMENT: sanction\.reason/);
    await expect(ledger.submit(OP, (ctx) => mk.SuspendParticipant(ctx, sanction(STRANGER, 'spam')))).rejects.toThrow(/^NOT_FOUND: StrangerMSP is not a registered participant/);
    await expect(ledger.submit(OP, (ctx) => mk.ReinstateParticipant(ctx, sanction(VSP, 'appeal')))).rejects.toThrow(/^CONFLICT: VspMSP is not suspended/);
    const t0 = ledger.timeMs;
    expect(json(await ledger.submit(OP, (ctx) => mk.SuspendParticipant(ctx, sanction(VSP, 'abandoned three DAOs'))))).toMatchObject({ mspId: VSP, status: 'suspended', sanction: { reason: 'abandoned three DAOs', atMs: t0 } });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ParticipantSuspended', payload: { mspId: VSP, reason: 'abandoned three DAOs', atMs: t0, by: expect.stringMatching(/^OperatorMSP:x509::/) } });
    expect(json(await ledger.evaluate(DSP, (ctx) => mk.GetParticipant(ctx, VSP)))['status']).toBe('suspended');
    await expect(ledger.submit(OP, (ctx) => mk.SuspendParticipant(ctx, sanction(VSP, 'again')))).rejects.toThrow(/^CONFLICT: VspMSP is suspended already/);
    await expect(ledger.submit(VSP, (ctx) => mk.PostOffer(ctx, offer('v-2', 'value')))).rejects.toThrow(/^FORBIDDEN: VspMSP is suspended and may not post offers/);
    await expect(ledger.submit(VSP, (ctx) => mk.UpdateOffer(ctx, s({ offerId: 'v-1', title: 'new' })))).rejects.toThrow(/^FORBIDDEN: VspMSP is suspended and may not update offers/);
    // It may still withdraw what it offered; others are unaffected.
    await ledger.submit(VSP, (ctx) => mk.WithdrawOffer(ctx, 'v-1'));
    await ledger.submit(VSP2, (ctx) => mk.PostOffer(ctx, offer('v-3', 'value')));
    await expect(ledger.submit(VSP, (ctx) => mk.ReinstateParticipant(ctx, sanction(VSP, 'me')))).rejects.toThrow(/^FORBIDDEN: VspMSP may not reinstate participants/);
    expect(json(await ledger.submit(OP, (ctx) => mk.ReinstateParticipant(ctx, sanction(VSP, 'appeal granted'))))).toMatchObject({ status: 'active', sanction: { reason: 'appeal granted' } });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ParticipantReinstated', payload: { mspId: VSP, reason: 'appeal granted' } });
    await ledger.submit(VSP, (ctx) => mk.PostOffer(ctx, offer('v-2', 'value')));
  });
});

describe('MarketplaceContract and the ledger catalogue', () => {
  it('offers exactly the catalogue\'s marketplace transactions, submitted or evaluated as it says, with its number of arguments', () => {
    // What fabric-shim reads to name and dispatch the transactions (the contract has no metadata file).
    const metadata = Reflect.getMetadata('fabric:transactions', MarketplaceContract.prototype) as { name: string; tag: string[]; parameters: unknown[] }[];
    const offered = metadata.map((t) => [t.name, t.tag.includes('SUBMIT'), t.parameters.length]);
    const catalogued = MARKETPLACE.transactionNames.map((name) => [name, MARKETPLACE.transactions[name].submit, MARKETPLACE.transactions[name].args.length]);
    expect(offered.sort()).toEqual(catalogued.sort());
    expect(new MarketplaceContract().getName()).toBe(MARKETPLACE.chaincode);
  });
});
