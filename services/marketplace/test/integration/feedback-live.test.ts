import 'reflect-metadata';
import * as grpc from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { descriptionDigest, TOPICS } from '@datawell/contracts';
import { ensureTopics } from '@datawell/messaging';
import { enrollClientIdentity } from '@datawell/stack';
import { grpcTestClient, REPO_DIR, signedAgreementFor, testStackContext, type DaoPlan } from '@datawell/testing';
import { stackPeerDirectory } from '../../../ledger-bridge/src/admin/fabric-admin.adapter';
import { LedgerBridge } from '../../../ledger-bridge/src/ledger-bridge';
import { bridgeSettings, operatorWallet, scratchDatabase } from '../../../ledger-bridge/test/integration/harness';
import { MARKETPLACE_GRPC } from '../../src/grpc/marketplace.grpc';
import { Marketplace } from '../../src/marketplace';
import { eventually, hex, MarketplaceHarness } from './harness';

/*
 * Feedback on the real network, nothing synthetic: the marketplace (in-process) on the topics of a
 * real ledger bridge (in-process, the operator's, relaying the `marketplace` channel from its first
 * block); a DAO formed for real through the bridge (InitVersion, then PublishDao as the DSP); feedback
 * through the marketplace API, submitted by the bridge as the rater, its FeedbackSubmitted relayed back.
 * The organisations are the life-cycle scenario's (reused across runs: onboarding them again is a
 * no-op), so reputation is compared with what it was before this run's feedback.
 * Each write's command is followed to its end as its caller would (GET /commands/:id, the event
 * stream, gRPC): committed with the transaction id, or failed with the chaincode's code and message.
 */
jest.setTimeout(900_000);

const ctx = testStackContext();
const [DSP, VSP, OUTSIDER] = ['LcDspMSP', 'LcVsp1MSP', 'LcVsp2MSP'];
// The bridge relays to the shared ledger-events topic, which the marketplace's identity directory reads:
// on a fresh stack nothing else puts the organisations' ParticipantRegistered there.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let wallet: Awaited<ReturnType<typeof operatorWallet>>;
let bridge: LedgerBridge;
const tokens: Record<string, string> = {};
const plan: DaoPlan = { daoId: `mk${hex(4)}`, dsp: DSP, vsps: [VSP], betasPpm: [800_000] };

beforeAll(async () => {
  await h.start();
  [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
  const agreements = `mkt-it-${h.run}.agreements`;
  await ensureTopics(h.kafka, [agreements], 1);
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  bridge = new LedgerBridge({
    dataSource: db.dataSource,
    schema: db.schema,
    kafka: h.kafka,
    settings: { ...bridgeSettings(wallet.dir, { events: h.topics.ledgerEvents, commands: h.topics.ledgerCommands, receipts: h.topics.ledgerReceipts }), admin },
    logger: new Logger('FeedbackLiveIT'),
    outboxPollIntervalMs: 100,
    peers: stackPeerDirectory(admin),
    networkTopics: { commands: h.topics.networkCommands, events: h.topics.networkEvents, agreements, commandsGroupId: `mkt-it-nc-${h.run}`, agreementsGroupId: `mkt-it-ag-${h.run}` },
  });
  await bridge.start();
  for (const [mspId, role] of [[DSP, 'DSP'], [VSP, 'VSP'], [OUTSIDER, 'VSP']] as const) {
    await bridge.admin!.onboardParticipant({ mspId, role, name: `Scenario ${role} ${mspId}` });
  }
  // The whole registry, as the ledger tells it (ParticipantRegistered carries each CA certificate).
  await bridge.addChannel({ name: 'marketplace', chaincodes: ['marketplace'] });
  for (const mspId of [DSP, VSP, OUTSIDER]) {
    const identity = await enrollClientIdentity(ctx, mspId, `mkt-live-${h.run}`);
    tokens[mspId] = await eventually('login', () => h.login(identity).catch(() => ''), (t) => t !== '', 300_000);
  }
  await bridge.admin!.createDaoVersion(await signedAgreementFor(plan, 1, ctx));
  // Published by the bridge as the DSP; relayed after every earlier marketplace event, so the read
  // models hold everything before it once it is here.
  await eventually('directory entry', () => h.http('GET', `/daos/${plan.daoId}`), (r) => r.status === 200, 120_000);
});

afterAll(async () => {
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

it('submits feedback between members (comment digest on chain) and takes reputation from the real FeedbackSubmitted', async () => {
  const daoId = plan.daoId;
  const tag = `t${hex()}`;
  const value = { kind: 'value', title: `Forecasting ${tag}`, description: `Forecasts ${tag}`, service: 'forecasting', computations: ['mean'], infrastructure: { cpu: 2 } };
  const posted = await h.http('POST', '/offers', value, tokens[VSP]);
  expect(posted.status).toBe(202);
  await eventually('offer open', () => h.http('GET', `/offers/${String(posted.body['offerId'])}`), (r) => r.body['status'] === 'open', 120_000);
  const before = (await h.http('GET', `/participants/${VSP}`)).body['reputation'] as { count: number; sum: number };

  expect(await h.http('POST', '/feedback', { daoId, target: VSP, score: 5 }, tokens[OUTSIDER])).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  expect(await h.http('POST', '/feedback', { daoId, target: DSP, score: 5 }, tokens[DSP])).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  const sent = await h.http('POST', '/feedback', { daoId, target: VSP, score: 4, comment: 'reliable' }, tokens[DSP]);
  expect(sent.status).toBe(202);
  const cmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['commandId'] === sent.body['commandId']);
  expect(cmd.value.data).toMatchObject({ transaction: 'SubmitFeedback', actingMspId: DSP });
  expect(JSON.parse((cmd.value.data['arguments'] as string[])[0]!)).toEqual({ daoId, target: VSP, rating: 4, commentDigest: descriptionDigest('reliable') });
  expect(await h.http('POST', '/feedback', { daoId, target: VSP, score: 3 }, tokens[DSP])).toMatchObject({ status: 409, body: { code: 'FEEDBACK_EXISTS' } });

  // The caller follows its command to the ledger's outcome.
  const commandId = String(sent.body['commandId']);
  const events = await commandEvents(commandId, tokens[DSP]!);
  expect(events.slice(0, -1).every((e) => e['status'] === 'pending')).toBe(true);
  const outcome = events.at(-1)!;
  expect(outcome).toMatchObject({ commandId, action: 'SubmitFeedback', status: 'committed', txId: expect.stringMatching(/^[0-9a-f]{64}$/), blockNumber: expect.stringMatching(/^\d+$/) });
  expect(outcome).not.toHaveProperty('code');
  expect(await h.http('GET', `/commands/${encodeURIComponent(commandId)}`, undefined, tokens[DSP])).toEqual({ status: 200, body: outcome });
  // Nobody else sees it: another identity gets what an unknown id gets; no identity, 401.
  const ofOther = await h.http('GET', `/commands/${encodeURIComponent(commandId)}`, undefined, tokens[VSP]);
  const unknownId = `marketplace:SubmitFeedback:${hex(8)}`;
  const ofUnknown = await h.http('GET', `/commands/${encodeURIComponent(unknownId)}`, undefined, tokens[VSP]);
  expect(ofOther).toMatchObject({ status: 404, body: { code: 'COMMAND_NOT_FOUND' } });
  expect({ ...ofOther, body: { ...ofOther.body, message: String(ofOther.body['message']).replace(commandId, '<id>') } }).toEqual({
    ...ofUnknown,
    body: { ...ofUnknown.body, message: String(ofUnknown.body['message']).replace(unknownId, '<id>') },
  });
  expect((await h.http('GET', `/commands/${encodeURIComponent(commandId)}/events`, undefined, tokens[VSP])).status).toBe(404);
  expect((await h.http('GET', `/commands/${encodeURIComponent(commandId)}`)).status).toBe(401);

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
    expect(await client.call('GetCommand', { command_id: commandId }, tokens[DSP])).toMatchObject({ command_id: commandId, status: 'committed', tx_id: outcome['txId'], code: '' });
    await expect(client.call('GetCommand', { command_id: commandId }, tokens[VSP])).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(client.call('GetCommand', { command_id: commandId })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  } finally {
    client.close();
  }
});

it("tells the caller when the chaincode refuses its feedback: failed, with the chaincode's code and message", async () => {
  // The marketplace's directory read model lists a DAO the ledger's directory does not have (what the
  // marketplace saw when no service published DAOs): the marketplace accepts the feedback, the
  // chaincode refuses it at endorsement (NOT_FOUND), and the real receipt says so to the caller.
  const ghost = `gh${hex(4)}`;
  const { store } = h.app.get(Marketplace);
  await store.query(
    `INSERT INTO ${store.t('dao_directory')} (dao_id, version, channel, name, summary, members, status, published_by, updated_at_ms) VALUES ($1, 1, $2, $1, '', $3::jsonb, 'active', $4, 0)`,
    [ghost, `dao-${ghost}-v1`, JSON.stringify([DSP, VSP]), DSP],
  );
  const sent = await h.http('POST', '/feedback', { daoId: ghost, target: VSP, score: 2 }, tokens[DSP]);
  expect(sent).toMatchObject({ status: 202, body: { commandId: expect.stringMatching(/^marketplace:SubmitFeedback:/) } });
  const commandId = String(sent.body['commandId']);
  const events = await commandEvents(commandId, tokens[DSP]!);
  expect(events.slice(0, -1).every((e) => e['status'] === 'pending')).toBe(true);
  const outcome = events.at(-1)!;
  expect(outcome).toMatchObject({ commandId, action: 'SubmitFeedback', status: 'failed', code: 'NOT_FOUND', message: `no DAO ${ghost} in the directory`, ledgerCode: 'ENDORSE_ABORTED' });
  expect(await h.http('GET', `/commands/${encodeURIComponent(commandId)}`, undefined, tokens[DSP])).toEqual({ status: 200, body: outcome });
  const client = grpcTestClient(MARKETPLACE_GRPC.protoFile, 'datawell.marketplace.v1.Marketplace', h.grpcPort);
  try {
    expect(await client.call('GetCommand', { command_id: commandId }, tokens[DSP])).toMatchObject({ status: 'failed', code: 'NOT_FOUND', message: `no DAO ${ghost} in the directory`, ledger_code: 'ENDORSE_ABORTED' });
  } finally {
    client.close();
  }
  // A stream opened after the end gives the outcome at once and ends.
  expect(await commandEvents(commandId, tokens[DSP]!)).toEqual([outcome]);
});

it('suspends a participant through the operator, shows it in search, refuses its offers and its joining a DAO, and lifts it', async () => {
  const tag = `t${hex()}`;
  const value = { kind: 'value', title: `Hosting ${tag}`, description: `Hosting ${tag}`, service: 'hosting', computations: ['mean'], infrastructure: { cpu: 1 } };
  const posted = await h.http('POST', '/offers', value, tokens[OUTSIDER]);
  expect(posted.status).toBe(202);
  await eventually('offer open', () => h.http('GET', `/offers/${String(posted.body['offerId'])}`), (r) => r.body['status'] === 'open', 120_000);
  const reason = `run ${h.run}: abandoned two DAOs`;
  // A run that stopped half-way left it suspended: lift that first.
  if ((await h.http('GET', `/participants/${OUTSIDER}`)).body['suspended'] === true) await bridge.admin!.sanctionParticipant(OUTSIDER, { reason: 'cleanup' }, false);
  await expect(bridge.admin!.sanctionParticipant(OUTSIDER, {}, true)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
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
