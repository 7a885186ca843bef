import 'reflect-metadata';
import * as grpc from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import { descriptionDigest, TOPICS } from '@datawell/contracts';
import { ensureTopics } from '@datawell/messaging';
import { addDomain, committedDefinition, enrollClientIdentity, memberFabric, ownPeerChannels } from '@datawell/stack';
import { type DaoPlan, grpcTestClient, integrationPool, registerDomainParticipant, REPO_DIR, signedAgreementFor, testStackContext } from '@datawell/testing';
import { stackPeerDirectory } from '../../../ledger-bridge/src/admin/fabric-admin.adapter';
import { LedgerBridge } from '../../../ledger-bridge/src/ledger-bridge';
import { MemberFeedback } from '../../../ledger-bridge/src/member-network/member-feedback';
import { MemberOffersController } from '../../../ledger-bridge/src/member-network/member-offers.controller';
import { bridgeSettings, operatorWallet, scratchDatabase, startMemberBridge, waitFor, type MemberBridge } from '../../../ledger-bridge/test/integration/harness';
import { MARKETPLACE_GRPC } from '../../src/grpc/marketplace.grpc';
import { eventually, hex, MarketplaceHarness } from './harness';

/*
 * Feedback on the real network, nothing synthetic, every participant in its own trust domain: the
 * marketplace (in-process) on the topics of the operator's real ledger bridge
 * (in-process, relaying the `marketplace` channel from its first block); each
 * organisation registers at the marketplace without an identity and the operator's bridge admits it
 * from its MSP package; each member's own bridge (in-process, as its domain runs it) joins its peer.
 * A DAO formed for real: the operator forms the channel, the DSP's own bridge initialises it and
 * publishes it (PublishDao as the DSP). Feedback is signed by the rater in its own domain, through its
 * own bridge (the operator holds no key of it); the marketplace takes the reputation from the real
 * FeedbackSubmitted. A write the marketplace sends for an organisation of a domain is followed to its
 * end as its caller would (GET /commands/:id, the event stream, gRPC): the operator's bridge, which
 * signs only as the operator, fails it. The organisations' domains are this suite's (reused across
 * runs: registering them again is a no-op), so reputation is compared with what it was before this run's feedback.
 */
jest.setTimeout(900_000);

const ctx = testStackContext();
// The worker's pool of member domains (integrationPool): made once per tier, this file's DAO and feedback are new.
// The rated VSP is the pool's third, which no other file rates or has abandoned (registration-grace
// abandons the first): its reputation is this file's ratings alone.
const pool = integrationPool();
const [DSP, VSP, OUTSIDER] = [pool.dsp, pool.vsps[2], pool.vsps[1]];
const ROLES = { [DSP]: 'DSP', [VSP]: 'VSP', [OUTSIDER]: 'VSP' } as const;
// The bridge relays to the shared ledger-events topic, which the marketplace's identity directory reads:
// on a fresh stack nothing else puts the organisations' ParticipantRegistered there.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let wallet: Awaited<ReturnType<typeof operatorWallet>>;
let bridge: LedgerBridge;
const members: Record<string, MemberBridge> = {};
const tokens: Record<string, string> = {};
const plan: DaoPlan = { daoId: `mk${hex(4)}`, dsp: DSP, vsps: [VSP], betasPpm: [800_000] };
/** A person of `mspId` as its own bridge sees it once signed in (the bridge acts only for its organisation). */
const as = (mspId: string): Principal => ({ mspId, enrollmentId: `mkt-live-${h.run}`, role: ROLES[mspId]!, certificateFingerprint: 'it' });

/** Retries while the member's peer launches the marketplace chaincode for its first endorsement. */
const onOwnPeer = <T>(what: string, write: () => Promise<T>): Promise<T> =>
  waitFor(
    what,
    () =>
      write().catch((error: { code?: string }) => {
        if (error.code === 'LEDGER_UNAVAILABLE') return undefined;
        throw error;
      }),
    300_000,
  );

beforeAll(async () => {
  for (const mspId of [DSP, VSP, OUTSIDER]) await addDomain(ctx, mspId, ROLES[mspId]!);
  await h.start();
  [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
  const agreements = `mkt-it-${h.run}.agreements`;
  await ensureTopics(h.kafka, [agreements], 1);
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  bridge = new LedgerBridge({
    dataSource: db.dataSource,
    schema: db.schema,
    kafka: h.kafka,
    // Domains only, as ./dev up runs it: the operator holds no organisation in custody.
    settings: { ...bridgeSettings(wallet.dir, { events: h.topics.ledgerEvents, commands: h.topics.ledgerCommands, receipts: h.topics.ledgerReceipts }), admin },
    logger: new Logger('FeedbackLiveIT'),
    outboxPollIntervalMs: 100,
    peers: stackPeerDirectory(admin),
    networkTopics: { commands: h.topics.networkCommands, events: h.topics.networkEvents, agreements, commandsGroupId: `mkt-it-nc-${h.run}`, agreementsGroupId: `mkt-it-ag-${h.run}` },
  });
  await bridge.start();
  // The whole registry, as the ledger tells it (ParticipantRegistered carries each CA certificate).
  await bridge.addChannel({ name: 'marketplace', chaincodes: ['marketplace'] });
  for (const mspId of [DSP, VSP, OUTSIDER]) members[mspId] = await startMemberBridge(mspId, `mkt-live-${mspId}-${h.run}`);
  // Registered at the marketplace from their own domains (no identity): the operator's bridge admits each from its MSP package.
  for (const mspId of [DSP, VSP, OUTSIDER]) await registerDomainParticipant(h.baseUrl, { mspId, role: ROLES[mspId]! }, () => undefined, 600_000);
  for (const mspId of [DSP, VSP, OUTSIDER]) {
    const m = memberFabric(ctx, mspId);
    // Its peer may still be starting (or restarting) under load: not there yet, not a failure.
    await waitFor(`${mspId}'s own peer on marketplace`, async () => ((await ownPeerChannels(m).catch((): string[] => [])).includes('marketplace') ? true : undefined), 300_000);
    await waitFor(`${mspId}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(m, 'marketplace', 'marketplace'))?.approvals[mspId] ? true : undefined), 300_000);
    // A person of the organisation, enrolled at its own CA in its domain, signs in.
    const identity = await enrollClientIdentity(ctx, mspId, `mkt-live-${h.run}`);
    tokens[mspId] = await eventually('login', () => h.login(identity).catch(() => ''), (t) => t !== '', 300_000);
  }
  // The operator forms the channel; the DSP's own bridge initialises the version and publishes the DAO
  // as the DSP, relayed after every earlier marketplace event, so the read models hold everything before it once it is here.
  expect(await bridge.admin!.createDaoVersion(await signedAgreementFor(plan, 1, ctx))).toMatchObject({ daoId: plan.daoId, initTxId: '' });
  await eventually('directory entry', () => h.http('GET', `/daos/${plan.daoId}`), (r) => r.status === 200, 600_000);
});

afterAll(async () => {
  for (const m of Object.values(members)) {
    await m.bridge.stop();
    await m.db.drop();
  }
  await bridge?.stop();
  await h.stop();
  wallet?.remove();
  await db?.drop();
});

it('publishes the formed DAO in the public directory: members, version, status; no β, no terms', async () => {
  const entry = await h.http('GET', `/daos/${plan.daoId}`);
  expect(entry.body).toMatchObject({
    daoId: plan.daoId,
    name: plan.daoId,
    status: 'active',
    topVersion: 1,
    topChannel: `dao-${plan.daoId}-v1`,
    publishedBy: DSP,
    versions: [{ version: 1, members: [DSP, VSP], superseded: false }],
    members: [{ mspId: DSP, channels: [`dao-${plan.daoId}-v1`] }, { mspId: VSP, channels: [`dao-${plan.daoId}-v1`] }],
  });
  expect(JSON.stringify(entry.body)).not.toMatch(/betaPpm|ownershipPpm|weight|terms|800000/);
});

it("submits feedback between members through the rater's own bridge (comment digest on chain) and takes reputation from the real FeedbackSubmitted", async () => {
  const daoId = plan.daoId;
  const tag = `t${hex()}`;
  // The VSP's offer, posted as itself through its own bridge (the marketplace learns it from OfferPosted).
  const posted = await onOwnPeer(`${VSP}'s offer through its own bridge`, () =>
    new MemberOffersController(members[VSP]!.bridge.memberLedger!).post(as(VSP), { kind: 'value', title: `Forecasting ${tag}`, description: `Forecasts ${tag}`, tags: [tag], service: 'forecasting', computations: ['mean'], infrastructure: { cpu: 2 } }),
  );
  await eventually('offer open', () => h.http('GET', `/offers/${posted.offer.offerId}`), (r) => r.body['status'] === 'open', 120_000);
  const before = (await h.http('GET', `/participants/${VSP}`)).body['reputation'] as { count: number; sum: number };

  // The marketplace's own checks still answer before anything is sent.
  expect(await h.http('POST', '/feedback', { daoId, target: VSP, score: 5 }, tokens[OUTSIDER])).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  expect(await h.http('POST', '/feedback', { daoId, target: DSP, score: 5 }, tokens[DSP])).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  // SubmitFeedback signed by the DSP in its own domain, through its own peer.
  const feedback = new MemberFeedback(members[DSP]!.bridge.memberLedger!);
  const sent = await onOwnPeer(`${DSP}'s feedback through its own bridge`, () => feedback.submitFor(as(DSP), { daoId, target: VSP, score: 4, comment: 'reliable' }));
  expect(sent).toMatchObject({ daoId, from: DSP, target: VSP, score: 4, commentDigest: descriptionDigest('reliable'), txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
  await expect(feedback.submitFor(as(DSP), { daoId, target: VSP, score: 3 })).rejects.toMatchObject({ code: 'FEEDBACK_EXISTS' });
  // The chaincode's own membership check: no rating of a member of a DAO the directory does not have.
  await expect(feedback.submitFor(as(DSP), { daoId: `gh${hex(4)}`, target: VSP, score: 2 })).rejects.toMatchObject({ code: 'NOT_CO_MEMBERS' });

  const count = before.count + 1;
  const sum = before.sum + 4;
  const profile = await eventually('reputation', () => h.http('GET', `/participants/${VSP}`), (r) => (r.body['reputation'] as { count: number }).count === count, 120_000);
  const reputation = profile.body['reputation'] as { scoreMilli: number; weight: number };
  expect(reputation).toMatchObject({ count, sum, abandonments: 0, halfLifeDays: 180 });
  // Only this test rates this VSP, always 4: with the neutral prior (one rating of 3) the score is
  // (4·W + 3) / (W + 1) for the decayed weight W ≥ 1 of its ratings (docs/marketplace.md).
  // (W and S are decayed and floored separately in millionths: the same figure to within one thousandth.)
  expect(Math.abs(reputation.scoreMilli - ((4 * reputation.weight + 3) * 1000) / (reputation.weight + 1))).toBeLessThanOrEqual(1);
  expect(reputation.scoreMilli).toBeGreaterThanOrEqual(3499);
  expect(reputation.scoreMilli).toBeLessThan(4000);
  const offers = await h.http('GET', `/offers?owner=${VSP}&q=${tag}&minReputation=3.4`);
  expect(offers.body['total']).toBe(1);
  expect((await h.http('GET', `/offers?owner=${VSP}&q=${tag}&minReputation=4.5`)).body['total']).toBe(0);

  const client = grpcTestClient(MARKETPLACE_GRPC.protoFile, 'datawell.marketplace.v1.Marketplace', h.grpcPort);
  try {
    const search = await client.call('SearchOffers', { owner: VSP, q: tag });
    expect(search['offers']).toEqual([expect.objectContaining({ owner_msp_id: VSP, kind: 'value', owner_reputation_milli: expect.any(Number), owner_suspended: false })]);
    expect(Math.abs((search['offers'] as Array<{ owner_reputation_milli: number }>)[0]!.owner_reputation_milli - reputation.scoreMilli)).toBeLessThanOrEqual(1);
    expect(await client.call('GetDao', { dao_id: daoId })).toMatchObject({ dao_id: daoId, name: daoId, status: 'active', top_version: 1, published_by: DSP });
    await expect(client.call('GetDao', { dao_id: 'nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  } finally {
    client.close();
  }
});

it("tells the caller what became of a write the marketplace sent for an organisation of a domain: failed at the operator's bridge, which signs for no member", async () => {
  // The marketplace accepts the VSP's feedback on the DSP (co-members) and sends SubmitFeedback as the
  // VSP; the operator's bridge holds no key of it and fails the command unsigned, and the receipt says so.
  const sent = await h.http('POST', '/feedback', { daoId: plan.daoId, target: DSP, score: 5 }, tokens[VSP]);
  expect(sent).toMatchObject({ status: 202, body: { commandId: expect.stringMatching(/^marketplace:SubmitFeedback:/) } });
  const commandId = String(sent.body['commandId']);
  const cmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === commandId);
  expect(cmd.value.data).toMatchObject({ transaction: 'SubmitFeedback', actingMspId: VSP });
  const events = await commandEvents(commandId, tokens[VSP]!);
  expect(events.slice(0, -1).every((e) => e['status'] === 'pending')).toBe(true);
  const outcome = events.at(-1)!;
  expect(outcome).toMatchObject({ commandId, action: 'SubmitFeedback', status: 'failed', code: 'NOT_THIS_MEMBER', message: `this bridge submits only as OperatorMSP, not as ${VSP}` });
  expect(outcome).not.toHaveProperty('txId');
  expect(await h.http('GET', `/commands/${encodeURIComponent(commandId)}`, undefined, tokens[VSP])).toEqual({ status: 200, body: outcome });
  // Nobody else sees it: another identity gets what an unknown id gets; no identity, 401.
  const ofOther = await h.http('GET', `/commands/${encodeURIComponent(commandId)}`, undefined, tokens[DSP]);
  const unknownId = `marketplace:SubmitFeedback:${hex(8)}`;
  const ofUnknown = await h.http('GET', `/commands/${encodeURIComponent(unknownId)}`, undefined, tokens[DSP]);
  expect(ofOther).toMatchObject({ status: 404, body: { code: 'COMMAND_NOT_FOUND' } });
  expect({ ...ofOther, body: { ...ofOther.body, message: String(ofOther.body['message']).replace(commandId, '<id>') } }).toEqual({
    ...ofUnknown,
    body: { ...ofUnknown.body, message: String(ofUnknown.body['message']).replace(unknownId, '<id>') },
  });
  expect((await h.http('GET', `/commands/${encodeURIComponent(commandId)}/events`, undefined, tokens[DSP])).status).toBe(404);
  expect((await h.http('GET', `/commands/${encodeURIComponent(commandId)}`)).status).toBe(401);
  const client = grpcTestClient(MARKETPLACE_GRPC.protoFile, 'datawell.marketplace.v1.Marketplace', h.grpcPort);
  try {
    expect(await client.call('GetCommand', { command_id: commandId }, tokens[VSP])).toMatchObject({ command_id: commandId, status: 'failed', code: 'NOT_THIS_MEMBER', tx_id: '' });
    await expect(client.call('GetCommand', { command_id: commandId }, tokens[DSP])).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(client.call('GetCommand', { command_id: commandId })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  } finally {
    client.close();
  }
  // A stream opened after the end gives the outcome at once and ends.
  expect(await commandEvents(commandId, tokens[VSP]!)).toEqual([outcome]);
});

it('suspends a participant through the operator, shows it in search, refuses its offers and its joining a DAO, and lifts it', async () => {
  const tag = `t${hex()}`;
  const value = { kind: 'value', title: `Hosting ${tag}`, description: `Hosting ${tag}`, tags: [tag], service: 'hosting', computations: ['mean'], infrastructure: { cpu: 1 } };
  // Posted as itself through its own bridge.
  const posted = await onOwnPeer(`${OUTSIDER}'s offer through its own bridge`, () => new MemberOffersController(members[OUTSIDER]!.bridge.memberLedger!).post(as(OUTSIDER), value));
  await eventually('offer open', () => h.http('GET', `/offers/${posted.offer.offerId}`), (r) => r.body['status'] === 'open', 120_000);
  const reason = `run ${h.run}: abandoned two DAOs`;
  // A run that stopped half-way left it suspended: lift that first.
  if ((await h.http('GET', `/participants/${OUTSIDER}`)).body['suspended'] === true) await bridge.admin!.sanctionParticipant(OUTSIDER, { reason: 'cleanup' }, false);
  await expect(bridge.admin!.sanctionParticipant(OUTSIDER, {}, true)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  // The operator's own transaction (SuspendParticipant as OperatorMSP): no custody needed.
  expect(await bridge.admin!.sanctionParticipant(OUTSIDER, { reason }, true)).toMatchObject({ mspId: OUTSIDER, status: 'suspended', sanction: { reason } });
  try {
    // SuspendParticipant on `marketplace`, its ParticipantSuspended relayed by the bridge.
    const seen = await eventually('suspended', () => h.http('GET', `/participants/${OUTSIDER}`), (r) => r.body['suspended'] === true, 120_000);
    expect(seen.body).toMatchObject({ status: 'active', suspended: true, sanction: { reason } });
    expect((await h.http('GET', `/offers?q=${tag}&suspended=true`)).body['offers']).toEqual([expect.objectContaining({ owner: expect.objectContaining({ mspId: OUTSIDER, suspended: true }) })]);
    expect((await h.http('GET', `/offers?q=${tag}&suspended=false`)).body['total']).toBe(0);
    // It still signs in (its directory entry follows the sanction); what the sanction forbids is refused.
    expect(await h.http('POST', '/offers', value, tokens[OUTSIDER])).toMatchObject({ status: 403, body: { code: 'PARTICIPANT_SUSPENDED' } });
    const joined: DaoPlan = { daoId: `sus${hex(4)}`, dsp: DSP, vsps: [OUTSIDER], betasPpm: [800_000] };
    await expect(bridge.admin!.createDaoVersion(await signedAgreementFor(joined, 1, ctx))).rejects.toMatchObject({ code: 'PARTICIPANT_SUSPENDED' });
    await expect(bridge.admin!.sanctionParticipant(OUTSIDER, { reason }, true)).rejects.toMatchObject({ code: 'ALREADY_SUSPENDED' });
  } finally {
    await bridge.admin!.sanctionParticipant(OUTSIDER, { reason: `run ${h.run}: appeal granted` }, false);
  }
  await eventually('reinstated', () => h.http('GET', `/participants/${OUTSIDER}`), (r) => r.body['suspended'] === false, 120_000);
  expect((await h.http('GET', `/offers?q=${tag}&suspended=false`)).body['total']).toBe(1);
});

/** The command's server-sent events until the service ends the stream (each `data:` parsed). */
async function commandEvents(commandId: string, token: string): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${h.baseUrl}/commands/${encodeURIComponent(commandId)}/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(180_000),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await response.text();
  const events: Array<Record<string, unknown>> = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n');
    if (!lines.includes('event: command')) continue;
    events.push(JSON.parse(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')) as Record<string, unknown>);
  }
  expect(events.length).toBeGreaterThan(0);
  return events;
}
