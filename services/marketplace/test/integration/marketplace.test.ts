import * as grpc from '@grpc/grpc-js';
import { createKeyAndCsr, grpcTestClient, type GrpcCall } from '@datawell/testing';
import { DAO, descriptionDigest, MARKETPLACE, REPUTATION_HALF_LIFE_MS } from '@datawell/contracts';
import { MARKETPLACE_GRPC } from '../../src/grpc/marketplace.grpc';
import { eventually, hex, MarketplaceHarness, onboard, type Member } from './harness';

jest.setTimeout(180_000);

const h = new MarketplaceHarness();
let dsp: Member;
let vsp: Member;
let outsider: Member;

const dataOffer = (tag: string) => ({
  kind: 'data',
  title: `Harbour water quality ${tag}`,
  description: `Salinity and turbidity from buoys in the harbour, streamed every minute. Marker ${tag}.`,
  tags: ['water', tag],
  schema: { salinity: 'int', turbidity: 'int' },
  updateFrequency: 'every minute',
  source: { type: 'iot-stream', topic: 'dsp.harbour.readings' },
});

beforeAll(async () => {
  await h.start();
  [dsp, vsp, outsider] = await Promise.all([onboard(h, 'DSP'), onboard(h, 'VSP'), onboard(h, 'VSP')]);
});

afterAll(async () => {
  await h.stop();
});

describe('participants', () => {
  it('registers from its own domain through the bridge: 202 pending, the onboarding command with its own CA, no enrollment by the operator, then active', async () => {
    // onboard() drove the whole flow; here its traces.
    const onboardCmd = await h.command(h.topics.networkCommands, (r) => r.value.data['kind'] === 'onboard-participant' && r.value.data['mspId'] === dsp.mspId);
    expect(onboardCmd.key).toBe(dsp.mspId);
    expect(onboardCmd.value.data).toMatchObject({ role: 'DSP', name: `DSP ${dsp.mspId}`, ownCa: true });
    // Its identities come from its own CA: the operator is asked to enroll none.
    expect(h.received.filter((r) => r.value.data['kind'] === 'enroll-identity' && r.value.data['mspId'] === dsp.mspId)).toEqual([]);
    const participant = await h.http('GET', `/participants/${dsp.mspId}`);
    expect(participant.body).toMatchObject({ mspId: dsp.mspId, role: 'DSP', status: 'active', reputation: { count: 0 } });
  });

  it('refuses a registration with a CSR (the operator would make its CA): 422 DOMAIN_REQUIRED naming ./dev domain add, nothing registered or sent', async () => {
    const mspId = `T${h.run}CsrMSP`;
    const { csrPem } = await createKeyAndCsr('bob');
    const res = await h.http('POST', '/participants', { mspId, role: 'VSP', name: 'With a CSR', identity: { enrollmentId: 'bob', csrPem } });
    expect(res).toMatchObject({ status: 422, body: { code: 'DOMAIN_REQUIRED', message: expect.stringContaining(`./dev domain add ${mspId} --role VSP`) } });
    expect(await h.http('GET', `/participants/${mspId}`)).toMatchObject({ status: 404, body: { code: 'PARTICIPANT_NOT_FOUND' } });
    expect(h.received.filter((r) => r.value.data['mspId'] === mspId)).toEqual([]);
  });

  it('enrolls another user of the caller’s own organisation only', async () => {
    const enrollmentId = `dave-${hex(2)}`;
    const { csrPem } = await createKeyAndCsr(enrollmentId);
    const own = await h.http('POST', `/participants/${dsp.mspId}/identities`, { enrollmentId, csrPem }, dsp.token);
    expect(own).toMatchObject({ status: 202, body: { status: 'requested' } });
    const cmd = await h.command(h.topics.networkCommands, (r) => r.value.data['commandId'] === own.body['commandId']);
    expect(cmd.value.data).toMatchObject({ kind: 'enroll-identity', mspId: dsp.mspId, enrollmentId, csrPem });
    expect(await h.http('POST', `/participants/${dsp.mspId}/identities`, { enrollmentId, csrPem }, dsp.token)).toMatchObject({ status: 409, body: { code: 'IDENTITY_EXISTS' } });
    expect(await h.http('POST', `/participants/${dsp.mspId}/identities`, { enrollmentId: 'eve', csrPem }, vsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('refuses a second registration of an MSP id with 409 PARTICIPANT_EXISTS', async () => {
    const again = await h.http('POST', '/participants', { mspId: dsp.mspId, role: 'DSP', name: 'again' });
    expect(again).toMatchObject({ status: 409, body: { code: 'PARTICIPANT_EXISTS' } });
  });

  it('marks a registration failed when the bridge reports the command failed', async () => {
    const mspId = `T${h.run}FailMSP`;
    const res = await h.http('POST', '/participants', { mspId, role: 'VSP', name: 'Failing' });
    expect(res).toMatchObject({ status: 202, body: { mspId, status: 'pending' } });
    await h.networkEvent({ kind: 'command-failed', commandId: res.body['commandId'] as string, subject: mspId, code: 'NO_MSP_PACKAGE', message: 'no domain' });
    const failed = await eventually('failed', () => h.http('GET', `/participants/${mspId}`), (r) => r.body['status'] === 'failed');
    expect(failed.body).toMatchObject({ failure: { code: 'NO_MSP_PACKAGE' } });
  });
});

describe('offers', () => {
  it('posts as the caller’s MSP, opens on OfferPosted, updates and withdraws through the ledger', async () => {
    const tag = `t${hex()}`;
    const offer = dataOffer(tag);
    const posted = await h.http('POST', '/offers', offer, dsp.token);
    expect(posted).toMatchObject({ status: 202, body: { status: 'submitted' } });
    const offerId = posted.body['offerId'] as string;
    const cmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === posted.body['commandId']);
    expect(cmd.value.data).toMatchObject({ channel: 'marketplace', chaincode: 'marketplace', transaction: 'PostOffer', actingMspId: dsp.mspId });
    const argument = JSON.parse((cmd.value.data['arguments'] as string[])[0]!) as Record<string, unknown>;
    expect(argument).toEqual({
      offerId,
      kind: 'data',
      title: offer.title,
      terms: { tags: ['water', tag], schema: offer.schema, updateFrequency: offer.updateFrequency, source: offer.source },
      descriptionDigest: descriptionDigest(offer.description),
    });
    expect((await h.http('GET', `/offers/${offerId}`)).body).toMatchObject({ status: 'submitted', description: offer.description });
    expect((await h.http('GET', `/offers?q=${tag}`)).body).toMatchObject({ total: 0 });

    await h.ledgerEvent('marketplace', 'marketplace', 'OfferPosted', { ...argument, owner: dsp.mspId, status: 'open', revision: 1, createdAtMs: 1, updatedAtMs: 1 });
    const open = await eventually('open', () => h.http('GET', `/offers/${offerId}`), (r) => r.body['status'] === 'open');
    expect(open.body).toMatchObject({ owner: { mspId: dsp.mspId, role: 'DSP' }, description: offer.description, revision: 1, tags: ['water', tag] });

    // Search: full text over the description, tags, role, kind.
    const byText = await h.http('GET', `/offers?q=${encodeURIComponent(`turbidity ${tag}`)}`);
    expect(byText.body['offers']).toEqual([expect.objectContaining({ offerId })]);
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
    const updateCmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === updated.body['commandId']);
    const update = JSON.parse((updateCmd.value.data['arguments'] as string[])[0]!) as Record<string, unknown>;
    expect(update).toMatchObject({ offerId, descriptionDigest: descriptionDigest(newDescription), terms: { updateFrequency: 'hourly' } });
    await h.ledgerEvent('marketplace', 'marketplace', 'OfferUpdated', { ...argument, ...update, owner: dsp.mspId, status: 'open', revision: 2 });
    await eventually('updated', () => h.http('GET', `/offers/${offerId}`), (r) => r.body['revision'] === 2 && r.body['description'] === newDescription);
    expect((await h.http('GET', `/offers?q=oxygen+${tag}`)).body['offers']).toEqual([expect.objectContaining({ offerId })]);

    expect(await h.http('DELETE', `/offers/${offerId}`, undefined, vsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const withdrawn = await h.http('DELETE', `/offers/${offerId}`, undefined, dsp.token);
    expect(withdrawn.status).toBe(202);
    const withdrawCmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === withdrawn.body['commandId']);
    expect(withdrawCmd.value.data).toMatchObject({ transaction: 'WithdrawOffer', arguments: [offerId], actingMspId: dsp.mspId });
    await h.ledgerEvent('marketplace', 'marketplace', 'OfferWithdrawn', { offerId, owner: dsp.mspId, revision: 3 });
    await eventually('withdrawn', () => h.http('GET', `/offers/${offerId}`), (r) => r.body['status'] === 'withdrawn');
    expect(await h.http('DELETE', `/offers/${offerId}`, undefined, dsp.token)).toMatchObject({ status: 409, body: { code: 'WRONG_STATE' } });
    expect(await h.http('PATCH', `/offers/${offerId}`, { title: 'late' }, dsp.token)).toMatchObject({ status: 409, body: { code: 'WRONG_STATE' } });
    expect((await h.http('GET', `/offers?tags=${tag}&status=withdrawn`)).body).toMatchObject({ total: 1 });
  });

  it('takes the text of a description the ledger holds only as a digest (an offer posted through the owner’s own bridge), from its owner only', async () => {
    const tag = `t${hex()}`;
    const offer = dataOffer(tag);
    const offerId = `off-own-${hex()}`;
    // As a member's own bridge posts it: the ledger's event carries the description's digest, the marketplace never saw the text.
    const terms = { tags: ['water', tag], schema: offer.schema, updateFrequency: offer.updateFrequency, source: offer.source };
    await h.ledgerEvent('marketplace', 'marketplace', 'OfferPosted', { offerId, kind: 'data', title: offer.title, terms, descriptionDigest: descriptionDigest(offer.description), owner: dsp.mspId, status: 'open', revision: 1, createdAtMs: 1, updatedAtMs: 1 });
    await eventually('open', () => h.http('GET', `/offers/${offerId}`), (r) => r.body['status'] === 'open');
    expect((await h.http('GET', `/offers/${offerId}`)).body).toMatchObject({ description: null });

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
  });

  it('lets only a DSP post data offers and only a VSP value offers (403)', async () => {
    expect(await h.http('POST', '/offers', dataOffer('x'), vsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const value = { kind: 'value', title: 'Forecasting', description: 'Forecasts', service: 'forecasting', computations: ['mean'], infrastructure: { cpu: 2 } };
    expect(await h.http('POST', '/offers', value, dsp.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const posted = await h.http('POST', '/offers', value, vsp.token);
    expect(posted.status).toBe(202);
    const cmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === posted.body['commandId']);
    const argument = JSON.parse((cmd.value.data['arguments'] as string[])[0]!) as Record<string, unknown>;
    await h.ledgerEvent('marketplace', 'marketplace', 'OfferPosted', { ...argument, owner: vsp.mspId, status: 'open', revision: 1 });
    await eventually('open', () => h.http('GET', `/offers/${String(posted.body['offerId'])}`), (r) => r.body['status'] === 'open');
  });

  it('marks a post failed when the ledger refuses it (failed receipt)', async () => {
    const posted = await h.http('POST', '/offers', dataOffer(`f${hex()}`), dsp.token);
    await h.receipt({ commandId: posted.body['commandId'], status: 'failed', transactionId: null, blockNumber: null, errorCode: 'FORBIDDEN', errorMessage: 'FORBIDDEN: no' });
    const failed = await eventually('failed', () => h.http('GET', `/offers/${String(posted.body['offerId'])}`), (r) => r.body['status'] === 'failed');
    expect(failed.body).toMatchObject({ failure: { code: 'FORBIDDEN' } });
  });
});

const daoIdOfTests = `d${hex()}`;

describe('DAOs, revenue, entitlements and feedback', () => {
  const daoId = daoIdOfTests;

  beforeAll(async () => {
    const members = [
      { mspId: dsp.mspId, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800000 },
      { mspId: vsp.mspId, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200000 },
    ];
    await h.ledgerEvent(`dao-${daoId}-v1`, 'dao', 'VersionCreated', { daoId, version: 1, agreementId: 'agr-1', agreementDigest: 'x', betaPpm: 800000, members, terms: { businessModel: 'pay-per-use' }, infrastructureRequested: {} });
    await eventually('dao', () => h.http('GET', `/daos/${daoId}/state`, undefined, dsp.token), (r) => r.status === 200);
  });

  it('builds the public directory from the marketplace channel’s DaoPublished only, never from DAO channels', async () => {
    // VersionCreated (a DAO channel's event) alone publishes nothing.
    expect(await h.http('GET', `/daos/${daoId}`)).toMatchObject({ status: 404, body: { code: 'DAO_NOT_FOUND' } });
    const entry = { daoId, name: 'Harbour DAO', summary: 'Water quality', members: [dsp.mspId, vsp.mspId], status: 'active', publishedBy: dsp.mspId, updatedAtMs: 5 };
    // An entry from another channel is not the directory's (had it counted, the top version would be 2).
    await h.ledgerEvent(`dao-${daoId}-v1`, 'marketplace', 'DaoPublished', { ...entry, name: 'Forged', version: 2, created: true });
    await h.ledgerEvent('marketplace', 'marketplace', 'DaoPublished', { ...entry, version: 1, created: true });
    await eventually('published', () => h.http('GET', `/daos/${daoId}`), (r) => r.status === 200);
    expect((await h.http('GET', `/daos/${daoId}`)).body).toEqual({
      daoId,
      name: 'Harbour DAO',
      summary: 'Water quality',
      status: 'active',
      topVersion: 1,
      topChannel: `dao-${daoId}-v1`,
      publishedBy: dsp.mspId,
      updatedAtMs: 5,
      versions: [{ version: 1, channel: `dao-${daoId}-v1`, status: 'active', superseded: false, members: [dsp.mspId, vsp.mspId] }],
      members: [
        { mspId: dsp.mspId, channels: [`dao-${daoId}-v1`] },
        { mspId: vsp.mspId, channels: [`dao-${daoId}-v1`] },
      ],
    });
    // The DAOs a participant publicly belongs to: the same entry for each member, without a token; none for an outsider.
    for (const m of [dsp, vsp]) {
      const listed = await h.http('GET', `/daos?member=${m.mspId}`);
      expect(listed.status).toBe(200);
      expect(listed.body['member']).toBe(m.mspId);
      expect((listed.body['daos'] as Array<{ daoId: string }>).find((d) => d.daoId === daoId)).toEqual((await h.http('GET', `/daos/${daoId}`)).body);
    }
    expect((await h.http('GET', `/daos?member=${outsider.mspId}`)).body).toEqual({ member: outsider.mspId, daos: [] });
  });

  it('shows versions and members, records revenue on the top channel as a member of D (the terms name no recorders), and sums payouts', async () => {
    expect((await h.http('GET', `/daos/${daoId}`)).body).toMatchObject({
      daoId,
      status: 'active',
      topChannel: `dao-${daoId}-v1`,
      members: [{ mspId: dsp.mspId, channels: [`dao-${daoId}-v1`] }, { mspId: vsp.mspId }],
    });
    // The public entry holds no β, ownership, weights, terms or amounts; the members see them.
    expect(JSON.stringify((await h.http('GET', `/daos/${daoId}`)).body)).not.toMatch(/betaPpm|ownershipPpm|weight|terms|800000/);
    expect((await h.http('GET', `/daos/${daoId}/state`, undefined, dsp.token)).body).toMatchObject({ versions: [{ version: 1, betaPpm: 800000, members: [{ mspId: dsp.mspId, ownershipPpm: 800000 }, { mspId: vsp.mspId }] }] });
    expect(await h.http('POST', `/daos/${daoId}/revenue`, { amount: '1000', kind: 'use' }, outsider.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // The terms name no recorders: only D records (the chaincode's rule), so the VSP is refused up front and nothing is sent.
    expect(await h.http('POST', `/daos/${daoId}/revenue`, { amount: '7', kind: 'use', revenueId: 'r-vsp' }, vsp.token)).toMatchObject({ status: 403, body: { code: 'NOT_REVENUE_RECORDER' } });
    const revenue = await h.http('POST', `/daos/${daoId}/revenue`, { amount: '1000001', kind: 'use', revenueId: 'r1' }, dsp.token);
    expect(revenue).toMatchObject({ status: 202, body: { revenueId: 'r1', channel: `dao-${daoId}-v1` } });
    const cmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === revenue.body['commandId']);
    expect(cmd.value.data).toMatchObject({ channel: `dao-${daoId}-v1`, chaincode: 'dao', transaction: 'RecordRevenue', actingMspId: dsp.mspId });
    expect(JSON.parse((cmd.value.data['arguments'] as string[])[0]!)).toEqual({ revenueId: 'r1', amount: '1000001', kind: 'use' });
    expect(await h.http('POST', `/daos/${daoId}/revenue`, { amount: '1000001', kind: 'use', revenueId: 'r1' }, dsp.token)).toMatchObject({ status: 409, body: { code: 'REVENUE_EXISTS' } });
    // The refused revenue was never queued: its id is still free (a 202 for it now would have been a 409).
    expect(h.received.some((r) => r.topic === h.topics.ledgerCommands && String(r.value.data['arguments']).includes('r-vsp'))).toBe(false);

    const payouts = [{ mspId: vsp.mspId, amount: '200000' }, { mspId: dsp.mspId, amount: '800001' }];
    await h.ledgerEvent(`dao-${daoId}-v1`, 'dao', 'RevenueRecorded', { revenueId: 'r1', amount: '1000001', kind: 'use', recordedBy: dsp.mspId, allocation: { allocationId: 'revenue:r1', level: 1, rest: '800001', restTo: { group: 'D' }, payouts } });
    await h.ledgerEvent(`dao-${daoId}-v1`, 'dao', 'RevenueRecorded', { revenueId: 'r2', amount: '10', kind: 'use', recordedBy: dsp.mspId, allocation: { allocationId: 'revenue:r2', level: 1, rest: '8', restTo: { group: 'D' }, payouts: [{ mspId: vsp.mspId, amount: '2' }, { mspId: dsp.mspId, amount: '8' }] } });
    const entitlements = await eventually('entitlements', () => h.http('GET', `/daos/${daoId}/entitlements`, undefined, vsp.token), (r) => r.body['total'] === '1000011');
    expect(entitlements.body['members']).toEqual([
      { mspId: dsp.mspId, amount: '800009', channels: [{ channel: `dao-${daoId}-v1`, amount: '800009' }] },
      { mspId: vsp.mspId, amount: '200002', channels: [{ channel: `dao-${daoId}-v1`, amount: '200002' }] },
    ].sort((a, b) => (a.mspId < b.mspId ? -1 : 1)));
  });

  it('lets only the recorders the terms name record revenue, and follows a change of terms', async () => {
    const named = `d${hex()}`;
    const channel = `dao-${named}-v1`;
    const members = [
      { mspId: dsp.mspId, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600000 },
      { mspId: vsp.mspId, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400000 },
    ];
    const terms = { businessModel: 'pay-per-use', revenueRecorders: [vsp.mspId] };
    await h.ledgerEvent(channel, 'dao', 'VersionCreated', { daoId: named, version: 1, agreementId: 'agr-3', betaPpm: 600000, members, terms });
    await eventually('dao', () => h.http('GET', `/daos/${named}/state`, undefined, dsp.token), (r) => r.status === 200);
    expect(await h.http('POST', `/daos/${named}/revenue`, { amount: '5', kind: 'use', revenueId: 'n-dsp' }, dsp.token)).toMatchObject({
      status: 403,
      body: { code: 'NOT_REVENUE_RECORDER', message: expect.stringContaining('terms.revenueRecorders') },
    });
    const byVsp = await h.http('POST', `/daos/${named}/revenue`, { amount: '5', kind: 'use', revenueId: 'n-vsp' }, vsp.token);
    expect(byVsp).toMatchObject({ status: 202, body: { channel } });
    expect((await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === byVsp.body['commandId'])).value.data).toMatchObject({ transaction: 'RecordRevenue', actingMspId: vsp.mspId });

    // An accepted change-terms names D instead: the read model follows it (a rejected one changes nothing).
    const decided = (proposalId: string, outcome: string, recorders: string[]) =>
      h.ledgerEvent(channel, 'dao', DAO.event.ProposalDecided, { proposalId, kind: 'change-terms', outcome, yesPpm: 600000, noPpm: 0, effect: outcome === 'accepted' ? { terms: { ...terms, revenueRecorders: recorders } } : {} });
    await decided('p-rejected', 'rejected', [outsider.mspId]);
    await decided('p-accepted', 'accepted', [dsp.mspId]);
    await eventually('terms changed', () => h.http('GET', `/daos/${named}/state`, undefined, dsp.token), (r) => JSON.stringify(r.body).includes(`"revenueRecorders":["${dsp.mspId}"]`));
    expect(await h.http('POST', `/daos/${named}/revenue`, { amount: '5', kind: 'use', revenueId: 'n-vsp-2' }, vsp.token)).toMatchObject({ status: 403, body: { code: 'NOT_REVENUE_RECORDER' } });
    const byDsp = await h.http('POST', `/daos/${named}/revenue`, { amount: '5', kind: 'use', revenueId: 'n-dsp' }, dsp.token);
    expect(byDsp).toMatchObject({ status: 202 });
    await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === byDsp.body['commandId']);
    // Nothing was queued for the refused requests.
    const sent = h.received.filter((r) => r.topic === h.topics.ledgerCommands && String(r.value.data['channel']) === channel).map((r) => JSON.parse((r.value.data['arguments'] as string[])[0]!).revenueId);
    expect(sent.sort()).toEqual(['n-dsp', 'n-vsp']);
  });

  it('marks an abandoned member, and refuses its revenue', async () => {
    const other = `d${hex()}`;
    const members = [
      { mspId: dsp.mspId, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500000 },
      { mspId: outsider.mspId, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 500000 },
    ];
    await h.ledgerEvent(`dao-${other}-v1`, 'dao', 'VersionCreated', { daoId: other, version: 1, agreementId: 'agr-2', betaPpm: 500000, members, terms: {} });
    await h.ledgerEvent(`dao-${other}-v1`, 'dao', 'MemberAbandoned', { mspId: outsider.mspId, group: 'J1', role: 'VSP', levelEnded: true, dissolved: false });
    // A member's status is the DAO's private state: its members see it (the public entry has none).
    const dao = await eventually('abandoned', () => h.http('GET', `/daos/${other}/state`, undefined, dsp.token), (r) => JSON.stringify(r.body).includes('abandoned'));
    expect(dao.body['members']).toEqual(expect.arrayContaining([expect.objectContaining({ mspId: outsider.mspId, status: 'abandoned' })]));
    expect(await h.http('POST', `/daos/${other}/revenue`, { amount: '5', kind: 'use' }, outsider.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('carries an abandonment of a DAO in the directory to the marketplace as ReportAbandonment, signed as the DSP that publishes it', async () => {
    await h.ledgerEvent(`dao-${daoIdOfTests}-v1`, 'dao', DAO.event.MemberAbandoned, { mspId: vsp.mspId, group: 'J1', role: 'VSP', levelEnded: true, dissolved: false });
    const cmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['transaction'] === MARKETPLACE.tx.ReportAbandonment && String(r.value.data['commandId']).includes(`dao-${daoIdOfTests}-v1`));
    expect(cmd.value.data).toMatchObject({ commandId: `marketplace:ReportAbandonment:dao-${daoIdOfTests}-v1:${vsp.mspId}`, channel: 'marketplace', chaincode: 'marketplace', actingMspId: dsp.mspId });
    expect(JSON.parse((cmd.value.data['arguments'] as string[])[0]!)).toEqual({ daoId: daoIdOfTests, channel: `dao-${daoIdOfTests}-v1`, member: vsp.mspId, daoTxId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
  // Feedback goes through the real network: feedback-live.test.ts.
});

describe('reputation and sanctions in search', () => {
  const H = REPUTATION_HALF_LIFE_MS;
  let member: Member;
  let offerId: string;
  let tag: string;

  beforeAll(async () => {
    member = await onboard(h, 'VSP');
    tag = `s${hex()}`;
    offerId = `off-${hex()}`;
    await h.ledgerEvent('marketplace', 'marketplace', MARKETPLACE.event.OfferPosted, {
      offerId, owner: member.mspId, kind: 'value', title: `Hosting ${tag}`, terms: { tags: [tag] }, descriptionDigest: 'ab'.repeat(32), status: 'open', revision: 1,
    });
    await eventually('open', () => h.http('GET', `/offers/${offerId}`), (r) => r.body['status'] === 'open');
  });

  it('shows a participant nobody rated at the neutral 3.000, and the ledger’s record decayed to the time of the request', async () => {
    expect((await h.http('GET', `/participants/${member.mspId}`)).body).toMatchObject({ suspended: false, reputation: { count: 0, abandonments: 0, scoreMilli: 3000, weight: 0, halfLifeDays: 180 } });
    // A rating of 5 recorded one half-life ago: W = 0.5, S = 2.5 now → (2.5 + 3) / (0.5 + 1) = 3.666.
    const asOfMs = Date.now() - H;
    const reputation = { mspId: member.mspId, count: 1, sum: 5, abandonments: 0, weightMicro: 1_000_000, sumMicro: 5_000_000, asOfMs, halfLifeMs: H, scoreMilli: 4000 };
    await h.ledgerEvent('marketplace', 'marketplace', MARKETPLACE.event.FeedbackSubmitted, { feedback: { daoId: 'd-rep', from: dsp.mspId, target: member.mspId, rating: 5, atMs: asOfMs }, reputation });
    const rated = await eventually('rated', () => h.http('GET', `/participants/${member.mspId}`), (r) => (r.body['reputation'] as { count: number }).count === 1);
    expect(rated.body['reputation']).toMatchObject({ count: 1, sum: 5, scoreMilli: 3666, score: 3.666, updatedAtMs: asOfMs });
    expect((rated.body['reputation'] as { weight: number }).weight).toBeCloseTo(0.5, 5);
    // Search filters on the same decayed score: 3.666 passes 3.6, not 3.7 (it was 4.000 when given).
    expect((await h.http('GET', `/offers?tags=${tag}&minReputation=3.6`)).body['offers']).toEqual([
      expect.objectContaining({ offerId, owner: expect.objectContaining({ suspended: false, reputation: expect.objectContaining({ scoreMilli: 3666, count: 1 }) }) }),
    ]);
    expect((await h.http('GET', `/offers?tags=${tag}&minReputation=3.7`)).body).toMatchObject({ total: 0 });
    // An abandonment reported now: W = 0.5 + 2, S = 2.5 → 5.5 / 3.5 = 1.571.
    const now = Date.now();
    await h.ledgerEvent('marketplace', 'marketplace', MARKETPLACE.event.AbandonmentReported, {
      abandonment: { daoId: 'd-rep', member: member.mspId, channel: 'dao-d-rep-v1', daoTxId: 'cafe', reportedBy: dsp.mspId, atMs: now },
      reputation: { ...reputation, abandonments: 1, weightMicro: 2_500_000, sumMicro: 2_500_000, asOfMs: now, scoreMilli: 1571 },
    });
    const abandoned = await eventually('abandoned', () => h.http('GET', `/participants/${member.mspId}`), (r) => (r.body['reputation'] as { abandonments: number }).abandonments === 1);
    expect(abandoned.body['reputation']).toMatchObject({ count: 1, abandonments: 1, scoreMilli: 1571 });
    expect((await h.http('GET', `/offers?tags=${tag}&minReputation=1.6`)).body).toMatchObject({ total: 0 });
    // An older record (fewer entries) arriving late changes nothing.
    await h.ledgerEvent('marketplace', 'marketplace', MARKETPLACE.event.FeedbackSubmitted, { feedback: { daoId: 'd-old', from: dsp.mspId, target: member.mspId, rating: 5 }, reputation: { mspId: member.mspId, count: 1, sum: 5, scoreMilli: 5000 } });
  });

  it('shows a suspension in the participant and in search, filters on it, refuses the suspended owner’s offers, and lifts it', async () => {
    await h.ledgerEvent('marketplace', 'marketplace', MARKETPLACE.event.ParticipantSuspended, { mspId: member.mspId, reason: 'abandoned two DAOs', atMs: 1_000, by: 'OperatorMSP:x509::/OU=admin/CN=admin' });
    const suspended = await eventually('suspended', () => h.http('GET', `/participants/${member.mspId}`), (r) => r.body['suspended'] === true);
    expect(suspended.body).toMatchObject({ status: 'active', suspended: true, sanction: { reason: 'abandoned two DAOs', atMs: 1_000 } });
    // The stale reputation sent before the suspension (same channel, so applied before it) changed nothing.
    expect(suspended.body['reputation']).toMatchObject({ count: 1, abandonments: 1, scoreMilli: 1571 });
    expect((await h.http('GET', `/offers?tags=${tag}&suspended=true`)).body['offers']).toEqual([expect.objectContaining({ offerId, owner: expect.objectContaining({ mspId: member.mspId, suspended: true }) })]);
    expect((await h.http('GET', `/offers?tags=${tag}&suspended=false`)).body).toMatchObject({ total: 0 });
    expect((await h.http('GET', `/offers?tags=${tag}`)).body).toMatchObject({ total: 1 });
    const value = { kind: 'value', title: 'Analytics', description: 'Forecasts', tags: [tag], service: 'forecast', computations: ['mean'], infrastructure: {} };
    expect(await h.http('POST', '/offers', value, member.token)).toMatchObject({ status: 403, body: { code: 'PARTICIPANT_SUSPENDED' } });
    expect(await h.http('PATCH', `/offers/${offerId}`, { title: 'Renamed' }, member.token)).toMatchObject({ status: 403, body: { code: 'PARTICIPANT_SUSPENDED' } });
    // An older sanction event (ledger time) does not undo a newer one; the lifting does.
    await h.ledgerEvent('marketplace', 'marketplace', MARKETPLACE.event.ParticipantReinstated, { mspId: member.mspId, reason: 'stale', atMs: 500, by: 'OperatorMSP' });
    await h.ledgerEvent('marketplace', 'marketplace', MARKETPLACE.event.ParticipantReinstated, { mspId: member.mspId, reason: 'appeal granted', atMs: 2_000, by: 'OperatorMSP' });
    const lifted = await eventually('lifted', () => h.http('GET', `/participants/${member.mspId}`), (r) => r.body['suspended'] === false);
    expect(lifted.body).toMatchObject({ suspended: false, sanction: { reason: 'appeal granted', atMs: 2_000 } });
    expect((await h.http('GET', `/offers?tags=${tag}&suspended=false`)).body).toMatchObject({ total: 1 });
  });

  it('sends a co-member’s abandonment report to the ledger as the reporter', async () => {
    const report = { daoId: daoIdOfTests, member: vsp.mspId, channel: `dao-${daoIdOfTests}-v1`, daoTxId: 'ab'.repeat(32) };
    const sent = await h.http('POST', '/abandonments', report, dsp.token);
    expect(sent).toMatchObject({ status: 202, body: { status: 'submitted' } });
    const cmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === sent.body['commandId']);
    expect(cmd.value.data).toMatchObject({ channel: 'marketplace', chaincode: 'marketplace', transaction: MARKETPLACE.tx.ReportAbandonment, actingMspId: dsp.mspId });
    expect(JSON.parse((cmd.value.data['arguments'] as string[])[0]!)).toEqual(report);
    expect(await h.http('POST', '/abandonments', report, outsider.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await h.http('POST', '/abandonments', { ...report, member: dsp.mspId }, dsp.token)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(await h.http('POST', '/abandonments', { ...report, channel: 'dao-other-v1' }, dsp.token)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  });
});

describe('bad input gets 4xx with a code, never 5xx', () => {
  const cases: Array<[string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, string]> = [
    ['no token on a write', () => h.http('POST', '/offers', dataOffer('x')), 401, 'UNAUTHENTICATED'],
    ['a forged token', () => h.http('POST', '/offers', dataOffer('x'), 'not.a.token'), 401, 'UNAUTHENTICATED'],
    ['no token on revenue', () => h.http('POST', '/daos/d1/revenue', { amount: '1', kind: 'use' }), 401, 'UNAUTHENTICATED'],
    ['no token on feedback', () => h.http('POST', '/feedback', { daoId: 'd1', target: 'XMSP', score: 1 }), 401, 'UNAUTHENTICATED'],
    ['no token on enrollment', () => h.http('POST', `/participants/${dsp.mspId}/identities`, {}), 401, 'UNAUTHENTICATED'],
    ['a registration without fields', () => h.http('POST', '/participants', {}), 400, 'INVALID_REQUEST'],
    ['a registration with a malformed MSP id', () => h.http('POST', '/participants', { mspId: 'acme', role: 'DSP', name: 'a', identity: { enrollmentId: 'a', csrPem: 'x' } }), 400, 'INVALID_REQUEST'],
    ['a registration that is a JSON array', () => h.http('POST', '/participants', [1, 2]), 400, 'INVALID_REQUEST'],
    ['malformed JSON', () => h.http('POST', '/participants', undefined, undefined, '{"mspId": '), 400, 'MALFORMED_JSON'],
    ['an oversize body', () => h.http('POST', '/participants', { mspId: 'BigMSP', name: 'x'.repeat(300 * 1024) }), 413, 'PAYLOAD_TOO_LARGE'],
    ['an oversize offer', () => h.http('POST', '/offers', { ...dataOffer('x'), description: 'y'.repeat(300 * 1024) }, dsp.token), 413, 'PAYLOAD_TOO_LARGE'],
    ['an offer without a title', () => h.http('POST', '/offers', { ...dataOffer('x'), title: undefined }, dsp.token), 400, 'INVALID_REQUEST'],
    ['an offer with a float in its schema', () => h.http('POST', '/offers', { ...dataOffer('x'), schema: { x: 0.5 } }, dsp.token), 400, 'INVALID_REQUEST'],
    ['an offer whose description is too long', () => h.http('POST', '/offers', { ...dataOffer('x'), description: 'z'.repeat(70 * 1024) }, dsp.token), 400, 'INVALID_REQUEST'],
    ['an unknown offer', () => h.http('GET', '/offers/nope'), 404, 'OFFER_NOT_FOUND'],
    ['a malformed offer id', () => h.http('GET', '/offers/%20bad'), 400, 'INVALID_REQUEST'],
    ['patching an unknown offer', () => h.http('PATCH', '/offers/nope', { title: 'x' }, dsp.token), 404, 'OFFER_NOT_FOUND'],
    ['an empty patch', () => h.http('PATCH', '/offers/nope', {}, dsp.token), 400, 'INVALID_REQUEST'],
    ['a bad search filter', () => h.http('GET', '/offers?kind=both'), 400, 'INVALID_REQUEST'],
    ['a bad reputation filter', () => h.http('GET', '/offers?minReputation=9'), 400, 'INVALID_REQUEST'],
    ['a bad suspended filter', () => h.http('GET', '/offers?suspended=yes'), 400, 'INVALID_REQUEST'],
    ['no token on an abandonment report', () => h.http('POST', '/abandonments', { daoId: 'd1', member: 'XMSP', channel: 'dao-d1-v1', daoTxId: 'ab' }), 401, 'UNAUTHENTICATED'],
    ['an abandonment report with a bad transaction id', () => h.http('POST', '/abandonments', { daoId: 'd1', member: vsp.mspId, channel: 'dao-d1-v1', daoTxId: 'not a tx' }, dsp.token), 400, 'INVALID_REQUEST'],
    ['an abandonment report in an unknown DAO', () => h.http('POST', '/abandonments', { daoId: 'nope', member: vsp.mspId, channel: 'dao-nope-v1', daoTxId: 'ab' }, dsp.token), 404, 'DAO_NOT_FOUND'],
    ['an unknown participant', () => h.http('GET', '/participants/NobodyMSP'), 404, 'PARTICIPANT_NOT_FOUND'],
    ['a malformed MSP id', () => h.http('GET', '/participants/nobody'), 400, 'INVALID_REQUEST'],
    ['an unknown identity', () => h.http('GET', `/participants/${dsp.mspId}/identities/nobody`), 404, 'IDENTITY_NOT_FOUND'],
    ['an unknown DAO', () => h.http('GET', '/daos/nope'), 404, 'DAO_NOT_FOUND'],
    ['a malformed DAO id', () => h.http('GET', '/daos/NOPE'), 400, 'INVALID_REQUEST'],
    ['the directory without a member', () => h.http('GET', '/daos'), 400, 'INVALID_REQUEST'],
    ['the directory of a malformed member', () => h.http('GET', '/daos?member=nobody'), 400, 'INVALID_REQUEST'],
    ['the directory of two members', () => h.http('GET', `/daos?member=${dsp.mspId}&member=${vsp.mspId}`), 400, 'INVALID_REQUEST'],
    ['the directory with another filter', () => h.http('GET', `/daos?member=${dsp.mspId}&status=active`), 400, 'INVALID_REQUEST'],
    ['entitlements of an unknown DAO', () => h.http('GET', '/daos/nope/entitlements', undefined, dsp.token), 404, 'DAO_NOT_FOUND'],
    ['entitlements without a token', () => h.http('GET', `/daos/${daoIdOfTests}/entitlements`), 401, 'UNAUTHENTICATED'],
    ['entitlements of a DAO one is not a member of (as an unknown one)', () => h.http('GET', `/daos/${daoIdOfTests}/entitlements`, undefined, outsider.token), 404, 'DAO_NOT_FOUND'],
    ['the private state of a DAO one is not a member of (as an unknown one)', () => h.http('GET', `/daos/${daoIdOfTests}/state`, undefined, outsider.token), 404, 'DAO_NOT_FOUND'],
    ['the private state of an unknown DAO', () => h.http('GET', '/daos/nope/state', undefined, outsider.token), 404, 'DAO_NOT_FOUND'],
    ['revenue of an unknown DAO', () => h.http('POST', '/daos/nope/revenue', { amount: '1', kind: 'use' }, dsp.token), 404, 'DAO_NOT_FOUND'],
    ['revenue as a number', () => h.http('POST', '/daos/nope/revenue', { amount: 1, kind: 'use' }, dsp.token), 400, 'INVALID_REQUEST'],
    ['feedback with a score of 6', () => h.http('POST', '/feedback', { daoId: 'nope', target: vsp.mspId, score: 6 }, dsp.token), 400, 'INVALID_REQUEST'],
    ['feedback in an unknown DAO', () => h.http('POST', '/feedback', { daoId: 'nope', target: vsp.mspId, score: 3 }, dsp.token), 404, 'DAO_NOT_FOUND'],
    ['enrolling into another organisation', () => h.http('POST', `/participants/${vsp.mspId}/identities`, { enrollmentId: 'x', csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nA\n-----END CERTIFICATE REQUEST-----' }, dsp.token), 403, 'FORBIDDEN'],
    ['an unknown route', () => h.http('GET', '/nothing-here'), 404, 'NOT_FOUND'],
  ];

  it.each(cases)('%s', async (_, call, status, code) => {
    const res = await call();
    expect({ status: res.status, code: res.body['code'] }).toEqual({ status, code });
    expect(typeof res.body['message']).toBe('string');
  });
});

describe('gRPC', () => {
  let client: { call: GrpcCall; close: () => void };
  const call = (method: string, request: Record<string, unknown>) => client.call(method, request);

  beforeAll(() => {
    client = grpcTestClient(MARKETPLACE_GRPC.protoFile, 'datawell.marketplace.v1.Marketplace', h.grpcPort);
  });
  afterAll(() => client.close());

  it('serves GetParticipant, SearchOffers and GetDao, and NOT_FOUND / INVALID_ARGUMENT with the code', async () => {
    expect(await call('GetParticipant', { msp_id: dsp.mspId })).toMatchObject({ msp_id: dsp.mspId, role: 'DSP', status: 'active' });
    const search = await call('SearchOffers', { owner: vsp.mspId });
    expect(search['total']).toBe(1);
    expect(search['offers']).toEqual([expect.objectContaining({ owner_msp_id: vsp.mspId, kind: 'value' })]);
    const dao = await call('GetDao', { dao_id: daoIdOfTests });
    expect(dao).toMatchObject({ dao_id: daoIdOfTests, name: 'Harbour DAO', status: 'active', top_version: 1, members: [{ msp_id: dsp.mspId }, { msp_id: vsp.mspId }] });
    await expect(call('GetParticipant', { msp_id: 'NobodyMSP' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: expect.stringMatching(/NobodyMSP/) });
    await expect(call('SearchOffers', { kind: 'both' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(call('GetDao', { dao_id: 'nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});
