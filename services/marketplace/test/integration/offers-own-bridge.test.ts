import 'reflect-metadata';
import type { Principal } from '@datawell/auth';
import { descriptionDigest, MARKETPLACE_CHANNEL, OPERATOR_MSP, TOPICS } from '@datawell/contracts';
import { addDomain, committedDefinition, memberFabric, ownPeerChannels } from '@datawell/stack';
import { apiClient, stackAdminIdentity, testStackContext, waitFor } from '@datawell/testing';
import { MemberOffers, type MemberOfferWrite } from '../../../ledger-bridge/src/member-network/member-offers';
import { operatorAdminApp, startMemberBridge, type OperatorAdminApp } from '../../../ledger-bridge/test/integration/harness';
import { eventually, harbourDataOffer, heldOrganisation, hex, MarketplaceHarness, type Member } from './harness';

/*
 * An offer of an organisation in its own trust domain, on the real network: the operator's real
 * ledger bridge (operatorAdminApp running on the marketplace's topics) admits the domain to
 * `marketplace` from its MSP package and relays the channel's events; the member's OWN bridge posts
 * the offer, signed by its identity through its own peer, so the ledger (and the marketplace) hold
 * only the description's digest. The marketplace then takes the text from its owner only, and only the
 * text that digest names. A VSP the operator's tooling holds is the other participant.
 */
jest.setTimeout(900_000);

const ctx = testStackContext();
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
/** This suite's own: a DSP in its own trust domain, and a VSP the operator's tooling holds. */
const [DSP, VSP] = ['MdDspMSP', 'MdVspMSP'];
let bridge: OperatorAdminApp;
let member: Awaited<ReturnType<typeof startMemberBridge>> | undefined;
let offers: MemberOffers;
let dsp: Member;
let vsp: Member;

beforeAll(async () => {
  await addDomain(ctx, DSP, 'DSP');
  await h.start();
  bridge = await operatorAdminApp({ running: h.topics });
  const operator = apiClient(bridge.url, () => stackAdminIdentity(ctx, OPERATOR_MSP));
  const onboardAtBridge = (body: { mspId: string; role: 'DSP' | 'VSP'; name: string }) => operator.call('/admin/participants', { method: 'POST', body });
  // The domain, from its public MSP package (the operator holds no key of it); a person of it enrolled at its own CA.
  dsp = await heldOrganisation(h, DSP, 'DSP', onboardAtBridge);
  vsp = await heldOrganisation(h, VSP, 'VSP', onboardAtBridge);
  member = await startMemberBridge(DSP, `lb-md-${h.run}`);
  const m = memberFabric(ctx, DSP);
  await waitFor(`${DSP}'s own peer on marketplace`, async () => ((await ownPeerChannels(m)).includes(MARKETPLACE_CHANNEL) ? true : undefined), { timeoutMs: 600_000, intervalMs: 1000 });
  await waitFor(`${DSP}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(m, MARKETPLACE_CHANNEL, 'marketplace'))?.approvals[DSP] ? true : undefined), { timeoutMs: 600_000, intervalMs: 1000 });
  offers = new MemberOffers(member.bridge.memberLedger!);
});

afterAll(async () => {
  await member?.bridge.stop();
  await member?.db.drop();
  await bridge?.close();
  await h.stop();
});

it('takes the text of a description the ledger holds only as a digest (posted through the owner’s own bridge), from its owner only', async () => {
  const tag = `t${hex()}`;
  const offer = harbourDataOffer(tag);
  const owner: Principal = { mspId: DSP, enrollmentId: dsp.enrollmentId, role: 'DSP', certificateFingerprint: 'it' };
  // The member's peer may be launching the marketplace chaincode for its first endorsement: retry until it answers.
  const posted = await waitFor<MemberOfferWrite>(
    'PostOffer through the member’s own peer',
    async () =>
      offers.post(owner, offer).catch((error: { code?: string }) => {
        if (error.code === 'LEDGER_UNAVAILABLE') return undefined;
        throw error;
      }),
    { timeoutMs: 300_000, intervalMs: 2000 },
  );
  const offerId = posted.offer.offerId;
  expect(posted.offer).toMatchObject({ owner: DSP, status: 'open', revision: 1, descriptionDigest: descriptionDigest(offer.description) });
  // The marketplace has it from the ledger's OfferPosted, relayed by the operator's bridge: never the text.
  const listed = await eventually('listed', () => h.http('GET', `/offers/${offerId}`), (r) => r.body['status'] === 'open', 120_000);
  expect(listed.body).toMatchObject({ owner: { mspId: DSP, role: 'DSP' }, description: null, descriptionDigest: descriptionDigest(offer.description), tags: ['water', tag] });
  expect((await h.http('GET', `/offers?q=${encodeURIComponent(`turbidity ${tag}`)}`)).body).toMatchObject({ total: 0 });

  const put = (body: unknown, token?: string, id = offerId) => h.http('PUT', `/offers/${id}/description`, body, token);
  expect(await put({ description: offer.description })).toMatchObject({ status: 401 });
  expect(await put({ description: offer.description }, vsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  expect(await put({ description: offer.description }, dsp.token, `off-none-${hex()}`)).toMatchObject({ status: 404, body: { code: 'OFFER_NOT_FOUND' } });
  expect(await put({ description: '' }, dsp.token)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  expect(await put({ description: offer.description, extra: 1 }, dsp.token)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  const wrong = await put({ description: `${offer.description} (edited)` }, dsp.token);
  expect(wrong).toMatchObject({ status: 409, body: { code: 'DESCRIPTION_DIGEST_MISMATCH' } });
  expect(wrong.body['message']).toContain(descriptionDigest(offer.description));
  expect((await h.http('GET', `/offers/${offerId}`)).body).toMatchObject({ description: null });

  const given = await put({ description: offer.description }, dsp.token);
  expect(given).toMatchObject({ status: 200, body: { offerId, description: offer.description, descriptionDigest: descriptionDigest(offer.description) } });
  // Found by its text now; giving it again changes nothing.
  expect((await h.http('GET', `/offers?q=${encodeURIComponent(`turbidity ${tag}`)}`)).body['offers']).toEqual([expect.objectContaining({ offerId })]);
  expect(await put({ description: offer.description }, dsp.token)).toMatchObject({ status: 200, body: { description: offer.description } });

  // Edited through its own bridge with a new text: the ledger's revision 2 names another digest, so the kept text is not shown for it until the owner gives the new one.
  const newDescription = `Now with dissolved oxygen too. Marker ${tag}.`;
  const edited = await offers.update(owner, offerId, { description: newDescription });
  expect(edited.offer).toMatchObject({ revision: 2, descriptionDigest: descriptionDigest(newDescription) });
  const revised = await eventually('revision 2', () => h.http('GET', `/offers/${offerId}`), (r) => r.body['revision'] === 2, 120_000);
  expect(revised.body).toMatchObject({ description: null, descriptionDigest: descriptionDigest(newDescription) });
  expect(await put({ description: offer.description }, dsp.token)).toMatchObject({ status: 409, body: { code: 'DESCRIPTION_DIGEST_MISMATCH' } });
  expect(await put({ description: newDescription }, dsp.token)).toMatchObject({ status: 200, body: { description: newDescription } });

  // Withdrawn through its own bridge: the marketplace follows the ledger.
  expect((await offers.withdraw(owner, offerId)).offer).toMatchObject({ status: 'withdrawn', revision: 3 });
  await eventually('withdrawn', () => h.http('GET', `/offers/${offerId}`), (r) => r.body['status'] === 'withdrawn', 120_000);
});

it('marks a post failed with the bridge’s code when its command cannot be submitted: the operator’s bridge holds no key of a domain member', async () => {
  const posted = await h.http('POST', '/offers', harbourDataOffer(`f${hex()}`), dsp.token);
  expect(posted).toMatchObject({ status: 202, body: { status: 'submitted' } });
  const failed = await eventually('failed', () => h.http('GET', `/offers/${String(posted.body['offerId'])}`), (r) => r.body['status'] === 'failed', 120_000);
  expect(failed.body).toMatchObject({ failure: { code: 'WALLET_IDENTITY_NOT_FOUND', message: expect.stringContaining(DSP) } });
  expect((await h.http('GET', `/commands/${String(posted.body['commandId'])}`, undefined, dsp.token)).body).toMatchObject({ status: 'failed' });
});
