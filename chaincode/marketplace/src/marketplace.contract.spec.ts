import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { MemoryLedger } from '@datawell/chaincode-common';
import { MARKETPLACE } from '@datawell/contracts';
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

  it('takes feedback only between organisations that share a DAO, once per DAO, and keeps an integer reputation', async () => {
    const { ledger, mk } = await market();
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry()));
    await ledger.submit(DSP, (ctx) => mk.PublishDao(ctx, entry({ daoId: 'beta', members: [DSP, VSP, VSP2] })));
    const fb = (daoId: string, target: string, rating: number) => s({ daoId, target, rating, commentDigest: DIGEST });
    expect(json(await ledger.submit(DSP, (ctx) => mk.SubmitFeedback(ctx, fb('acme', VSP, 5))))).toEqual({ mspId: VSP, count: 1, sum: 5, scoreMilli: 5000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'FeedbackSubmitted', payload: { feedback: { from: DSP, target: VSP, rating: 5 }, reputation: { scoreMilli: 5000 } } });
    await ledger.submit(DSP, (ctx) => mk.SubmitFeedback(ctx, fb('beta', VSP, 4)));
    expect(json(await ledger.submit(VSP2, (ctx) => mk.SubmitFeedback(ctx, fb('beta', VSP, 4))))).toEqual({ mspId: VSP, count: 3, sum: 13, scoreMilli: 4333 });
    expect(json(await ledger.evaluate(OP, (ctx) => mk.GetReputation(ctx, VSP)))['scoreMilli']).toBe(4333);
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
    expect(json(await ledger.evaluate(OP, (ctx) => mk.GetReputation(ctx, VSP2)))).toEqual({ mspId: VSP2, count: 0, sum: 0, scoreMilli: 0 });
  });

  it('writes the same bytes whatever the key order of the input', async () => {
    const a = await market();
    const b = await market();
    await a.ledger.submit(DSP, (ctx) => a.mk.PostOffer(ctx, s({ offerId: 'o', kind: 'data', title: 't', terms: { b: 1, a: 2 }, descriptionDigest: DIGEST })));
    await b.ledger.submit(DSP, (ctx) => b.mk.PostOffer(ctx, s({ descriptionDigest: DIGEST, terms: { a: 2, b: 1 }, title: 't', kind: 'data', offerId: 'o' })));
    expect(b.ledger.dump()).toEqual(a.ledger.dump());
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
