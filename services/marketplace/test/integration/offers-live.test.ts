import * as grpc from '@grpc/grpc-js';
import { descriptionDigest, OPERATOR_MSP, TOPICS } from '@datawell/contracts';
import { apiClient, grpcTestClient, stackAdminIdentity, testStackContext, type GrpcCall } from '@datawell/testing';
import { operatorAdminApp, type OperatorAdminApp } from '../../../ledger-bridge/test/integration/harness';
import { MARKETPLACE_GRPC } from '../../src/grpc/marketplace.grpc';
import { eventually, harbourDataOffer, heldOrganisation, hex, MarketplaceHarness, type Member, type Received } from './harness';

/*
 * Offers and sanctions on the real network, nothing synthetic: the marketplace (in-process) and the
 * operator's real ledger bridge on its topics (operatorAdminApp running). The bridge onboards the DSP
 * and the VSP (organisations its tooling holds, reused across runs) through its administration route,
 * submits their offers' transactions as them, suspends and reinstates as the operator, and relays the
 * chaincode's events (OfferPosted, OfferUpdated, OfferWithdrawn, ParticipantSuspended,
 * ParticipantReinstated) back, from which the marketplace's read models come. Every offer carries a
 * tag of this run, so searches count this run's offers only.
 */
jest.setTimeout(900_000);

const ctx = testStackContext();
// The bridge relays to the shared ledger events topic, which the marketplace's identity directory reads.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
/** Organisations the operator's tooling holds, this suite's only (the VSP is suspended for a while). */
const [DSP, VSP] = ['MkDspMSP', 'MkVspMSP'];
let bridge: OperatorAdminApp;
let operator: ReturnType<typeof apiClient>;
let dsp: Member;
let vsp: Member;

type Listed = { mspId: string; status: string };

const valueOffer = (tag: string) => ({ kind: 'value', title: `Forecasting ${tag}`, description: `Forecasts of demand. ${tag}`, tags: [tag], service: 'forecasting', computations: ['mean'], infrastructure: { cpu: 2 } });

const argumentOf = (r: Received) => JSON.parse((r.value.data['arguments'] as string[])[0]!) as Record<string, unknown>;
/** The ledger command of a 202 answer, as the marketplace sent it to the bridge. */
const commandOf = (answer: { body: Record<string, unknown> }) => h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === answer.body['commandId']);
const offer = (offerId: string) => h.http('GET', `/offers/${offerId}`);
const participant = (mspId: string) => h.http('GET', `/participants/${mspId}`);

beforeAll(async () => {
  await h.start();
  bridge = await operatorAdminApp({ running: h.topics });
  operator = apiClient(bridge.url, () => stackAdminIdentity(ctx, OPERATOR_MSP));
  const onboardAtBridge = (body: { mspId: string; role: 'DSP' | 'VSP'; name: string }) => operator.call('/admin/participants', { method: 'POST', body });
  dsp = await heldOrganisation(h, DSP, 'DSP', onboardAtBridge);
  // A clean start: a run that stopped half-way may have left the VSP suspended.
  await onboardAtBridge({ mspId: VSP, role: 'VSP', name: `VSP ${VSP}` });
  const listed = (await operator.call<{ participants: Listed[] }>('/admin/participants')).participants.find((p) => p.mspId === VSP);
  if (listed?.status === 'suspended') await operator.call(`/admin/participants/${VSP}/reinstatement`, { method: 'POST', body: { reason: 'a clean start' } });
  vsp = await heldOrganisation(h, VSP, 'VSP', onboardAtBridge);
  await eventually('the VSP in good standing', () => participant(VSP), (r) => r.body['suspended'] === false, 120_000);
});

afterAll(async () => {
  await bridge?.close();
  await h.stop();
});

describe('offers', () => {
  it('posts as the caller’s MSP, opens on the ledger’s OfferPosted, updates and withdraws through the ledger', async () => {
    const tag = `t${hex()}`;
    const data = harbourDataOffer(tag);
    const posted = await h.http('POST', '/offers', data, dsp.token);
    expect(posted).toMatchObject({ status: 202, body: { status: 'submitted' } });
    const offerId = posted.body['offerId'] as string;
    const cmd = await commandOf(posted);
    expect(cmd.value.data).toMatchObject({ channel: 'marketplace', chaincode: 'marketplace', transaction: 'PostOffer', actingMspId: DSP });
    expect(argumentOf(cmd)).toEqual({
      offerId,
      kind: 'data',
      title: data.title,
      terms: { tags: ['water', tag], schema: data.schema, updateFrequency: data.updateFrequency, source: data.source },
      descriptionDigest: descriptionDigest(data.description),
    });

    // Open once the bridge submitted it as the DSP and relayed the chaincode's event.
    const open = await eventually('open', () => offer(offerId), (r) => r.body['status'] === 'open', 120_000);
    expect(open.body).toMatchObject({ owner: { mspId: DSP, role: 'DSP' }, description: data.description, revision: 1, tags: ['water', tag] });

    // Search: full text over the description, tags, role, kind.
    expect((await h.http('GET', `/offers?q=${encodeURIComponent(`turbidity ${tag}`)}`)).body['offers']).toEqual([expect.objectContaining({ offerId })]);
    expect((await h.http('GET', `/offers?tags=${tag},water&role=DSP&kind=data`)).body['offers']).toEqual([expect.objectContaining({ offerId })]);
    expect((await h.http('GET', `/offers?tags=${tag}&role=VSP`)).body).toMatchObject({ total: 0 });
    expect((await h.http('GET', `/offers?tags=${tag}&kind=value`)).body).toMatchObject({ total: 0 });
    expect((await h.http('GET', `/offers?q=${encodeURIComponent(`"${tag}" -harbour`)}`)).body).toMatchObject({ total: 0 });

    // Only the owner changes it.
    expect(await h.http('PATCH', `/offers/${offerId}`, { title: 'Mine now' }, vsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await h.http('PATCH', `/offers/${offerId}`, { service: 'x' }, dsp.token)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    const newDescription = `Now with dissolved oxygen too. Marker ${tag}.`;
    const updated = await h.http('PATCH', `/offers/${offerId}`, { description: newDescription, updateFrequency: 'hourly' }, dsp.token);
    expect(updated.status).toBe(202);
    const updateCmd = await commandOf(updated);
    expect(updateCmd.value.data).toMatchObject({ transaction: 'UpdateOffer', actingMspId: DSP });
    expect(argumentOf(updateCmd)).toMatchObject({ offerId, descriptionDigest: descriptionDigest(newDescription), terms: { updateFrequency: 'hourly' } });
    const revised = await eventually('updated', () => offer(offerId), (r) => r.body['revision'] === 2, 120_000);
    expect(revised.body).toMatchObject({ status: 'open', description: newDescription, descriptionDigest: descriptionDigest(newDescription), terms: { updateFrequency: 'hourly', tags: ['water', tag] } });
    expect((await h.http('GET', `/offers?q=oxygen+${tag}`)).body['offers']).toEqual([expect.objectContaining({ offerId })]);

    expect(await h.http('DELETE', `/offers/${offerId}`, undefined, vsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const withdrawn = await h.http('DELETE', `/offers/${offerId}`, undefined, dsp.token);
    expect(withdrawn.status).toBe(202);
    expect((await commandOf(withdrawn)).value.data).toMatchObject({ transaction: 'WithdrawOffer', arguments: [offerId], actingMspId: DSP });
    await eventually('withdrawn', () => offer(offerId), (r) => r.body['status'] === 'withdrawn', 120_000);
    expect(await h.http('DELETE', `/offers/${offerId}`, undefined, dsp.token)).toMatchObject({ status: 409, body: { code: 'WRONG_STATE' } });
    expect(await h.http('PATCH', `/offers/${offerId}`, { title: 'late' }, dsp.token)).toMatchObject({ status: 409, body: { code: 'WRONG_STATE' } });
    expect((await h.http('GET', `/offers?tags=${tag}&status=withdrawn`)).body).toMatchObject({ total: 1 });
  });

  it('lets only a DSP post data offers and only a VSP value offers (403); the VSP’s opens from the ledger', async () => {
    const tag = `v${hex()}`;
    expect(await h.http('POST', '/offers', harbourDataOffer(tag), vsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await h.http('POST', '/offers', valueOffer(tag), dsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const posted = await h.http('POST', '/offers', valueOffer(tag), vsp.token);
    expect(posted.status).toBe(202);
    expect((await commandOf(posted)).value.data).toMatchObject({ transaction: 'PostOffer', actingMspId: VSP });
    const open = await eventually('open', () => offer(String(posted.body['offerId'])), (r) => r.body['status'] === 'open', 120_000);
    expect(open.body).toMatchObject({ kind: 'value', owner: { mspId: VSP, role: 'VSP' } });
    // Nothing was sent for the refused posts: this run's tag is on the VSP's one offer only.
    expect((await h.http('GET', `/offers?tags=${tag}&status=open`)).body).toMatchObject({ total: 1 });
    expect(h.received.filter((r) => r.topic === h.topics.ledgerCommands && r.value.data['transaction'] === 'PostOffer' && String(r.value.data['arguments']).includes(tag))).toHaveLength(1);
  });
});

describe('sanctions in search', () => {
  let offerId: string;
  let tag: string;

  beforeAll(async () => {
    tag = `s${hex()}`;
    const posted = await h.http('POST', '/offers', valueOffer(tag), vsp.token);
    expect(posted.status).toBe(202);
    offerId = posted.body['offerId'] as string;
    await eventually('open', () => offer(offerId), (r) => r.body['status'] === 'open', 120_000);
  });

  it('shows the operator’s suspension (from the ledger) in the participant and in search, filters on it, refuses the suspended owner’s offers, and lifts it', async () => {
    const reason = `abandoned two DAOs ${hex(2)}`;
    await operator.call(`/admin/participants/${VSP}/suspension`, { method: 'POST', body: { reason } });
    const suspended = await eventually('suspended', () => participant(VSP), (r) => r.body['suspended'] === true, 120_000);
    expect(suspended.body).toMatchObject({ status: 'active', suspended: true, sanction: { reason, atMs: expect.any(Number) } });
    expect((await h.http('GET', `/offers?tags=${tag}&suspended=true`)).body['offers']).toEqual([expect.objectContaining({ offerId, owner: expect.objectContaining({ mspId: VSP, suspended: true }) })]);
    expect((await h.http('GET', `/offers?tags=${tag}&suspended=false`)).body).toMatchObject({ total: 0 });
    expect((await h.http('GET', `/offers?tags=${tag}`)).body).toMatchObject({ total: 1 });
    expect(await h.http('POST', '/offers', valueOffer(tag), vsp.token)).toMatchObject({ status: 403, body: { code: 'PARTICIPANT_SUSPENDED' } });
    expect(await h.http('PATCH', `/offers/${offerId}`, { title: 'Renamed' }, vsp.token)).toMatchObject({ status: 403, body: { code: 'PARTICIPANT_SUSPENDED' } });

    const lift = `appeal granted ${hex(2)}`;
    await operator.call(`/admin/participants/${VSP}/reinstatement`, { method: 'POST', body: { reason: lift } });
    const lifted = await eventually('lifted', () => participant(VSP), (r) => r.body['suspended'] === false, 120_000);
    expect(lifted.body).toMatchObject({ suspended: false, sanction: { reason: lift } });
    expect((lifted.body['sanction'] as { atMs: number }).atMs).toBeGreaterThanOrEqual((suspended.body['sanction'] as { atMs: number }).atMs);
    expect((await h.http('GET', `/offers?tags=${tag}&suspended=false`)).body).toMatchObject({ total: 1 });
  });
});

describe('gRPC', () => {
  let client: { call: GrpcCall; close: () => void };
  const call = (method: string, request: Record<string, unknown>) => client.call(method, request);

  beforeAll(() => {
    client = grpcTestClient(MARKETPLACE_GRPC.protoFile, 'datawell.marketplace.v1.Marketplace', h.grpcPort);
  });
  afterAll(() => client.close());

  it('serves GetParticipant and SearchOffers from what the ledger told, and NOT_FOUND / INVALID_ARGUMENT with the code', async () => {
    const tag = `g${hex()}`;
    const posted = await h.http('POST', '/offers', valueOffer(tag), vsp.token);
    await eventually('open', () => offer(String(posted.body['offerId'])), (r) => r.body['status'] === 'open', 120_000);
    expect(await call('GetParticipant', { msp_id: DSP })).toMatchObject({ msp_id: DSP, role: 'DSP', status: 'active' });
    const search = await call('SearchOffers', { owner: VSP, tags: [tag] });
    expect(search['total']).toBe(1);
    expect(search['offers']).toEqual([expect.objectContaining({ offer_id: posted.body['offerId'], owner_msp_id: VSP, kind: 'value' })]);
    expect((await call('SearchOffers', { owner: DSP, tags: [tag] }))['total']).toBe(0);
    await expect(call('GetParticipant', { msp_id: 'NobodyMSP' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: expect.stringMatching(/NobodyMSP/) });
    await expect(call('SearchOffers', { kind: 'both' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });
});
