import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DAO, daoChannelName } from '@datawell/contracts';
import { connectGateway } from '@datawell/fabric';
import { addDomain, committedDefinition, enrollClientIdentity, memberFabric, ownPeerChannels, readMspPackage } from '@datawell/stack';
import { acceptancesOf, evaluate, integrationPool, REPO_DIR, submit, testStackContext, testTerms } from '@datawell/testing';
import { stackPeerDirectory } from '../../../ledger-bridge/src/admin/fabric-admin.adapter';
import { LedgerBridge } from '../../../ledger-bridge/src/ledger-bridge';
import { bridgeSettings, kafkaClient, operatorWallet, scratchDatabase, startMemberBridge, waitFor, type MemberBridge } from '../../../ledger-bridge/test/integration/harness';
import { eventually, hex, sleep, TelemetryHarness } from './harness';

/*
 * A member that should run a workload but never registers one, on the real network, nothing
 * synthetic, every participant in its own trust domain: the operator's bridge (in-process) admits
 * the three from their MSP packages and forms the DAO's channel; each member's own bridge
 * (in-process, as its domain runs it) joins its peer and approves, and the DSP's initialises the
 * version. Telemetry is the DSP's own (member mode, in-process, on the DSP's sealed topics). The
 * infrastructure spec names one workload, VSP1's; the DSP and VSP2 are named in none. Nobody registers
 * or heartbeats. Once the registration grace has passed, the DSP's telemetry asks its own bridge to
 * submit EvaluateAbandonment about VSP1 as the DSP, and the chaincode abandons it (its MemberAbandoned
 * relayed back on the DSP's topic); VSP2 is never put to the chaincode, though the chaincode would
 * abandon it if asked (shown last, by asking it directly as the DSP).
 */
jest.setTimeout(900_000);

const ctx = testStackContext();
// This suite's own domains (made once per stack: adding them again changes nothing).
const pool = integrationPool();
const [DSP, VSP1, VSP2] = [pool.dsp, pool.vsps[0], pool.vsps[1]];
const MEMBERS = [
  [DSP, 'DSP'],
  [VSP1, 'VSP'],
  [VSP2, 'VSP'],
] as const;
// The grace only has to outlast abandon-after (else the chaincode refuses) and the VersionCreated relay
// (telemetry learns of the version within a second or two, under CI load a few): 10 s is both, and
// every second of it is waited out. Abandon-after is 3 periods of the 1 s heartbeat.
const GRACE_SECONDS = 10;
const ABANDON_AFTER_SECONDS = 3;
const h = new TelemetryHarness({ TELEMETRY_REGISTRATION_GRACE_SECONDS: String(GRACE_SECONDS) }, { member: DSP });
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let wallet: Awaited<ReturnType<typeof operatorWallet>>;
let operator: LedgerBridge;
const members: MemberBridge[] = [];

beforeAll(async () => {
  for (const [mspId, role] of MEMBERS) await addDomain(ctx, mspId, role);
  [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
  await h.setUp();
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  const topics = { events: `tel-it-${h.id}.operator.events`, commands: `tel-it-${h.id}.operator.commands`, receipts: `tel-it-${h.id}.operator.receipts` };
  operator = new LedgerBridge({
    dataSource: db.dataSource,
    schema: db.schema,
    // The operator's own principal: the telemetry's (h.kafka) is the DSP's.
    kafka: kafkaClient(),
    // Domains only, as ./dev up runs it: the operator holds no organisation in custody.
    settings: { ...bridgeSettings(wallet.dir, topics), admin },
    logger: new Logger('TelemetryRegistrationGraceIT:operator'),
    outboxPollIntervalMs: 100,
    peers: stackPeerDirectory(admin),
  });
  await operator.start();
  for (const [mspId] of MEMBERS) members.push(await startMemberBridge(mspId, `tel-rg-${mspId}-${h.id}`));
  for (const [mspId, role] of MEMBERS) await operator.admin!.onboardParticipant({ mspId, role, name: `Domain ${role} ${mspId}` });
  for (const [mspId] of MEMBERS) {
    const m = memberFabric(ctx, mspId);
    // Its peer may still be starting (or restarting) under load: not there yet, not a failure.
    await waitFor(`${mspId}'s own peer on marketplace`, async () => ((await ownPeerChannels(m).catch((): string[] => [])).includes('marketplace') ? true : undefined), 300_000);
    await waitFor(`${mspId}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(m, 'marketplace', 'marketplace'))?.approvals[mspId] ? true : undefined), 300_000);
  }
});

afterAll(async () => {
  for (const m of members) {
    await m.bridge.stop();
    await m.db.drop();
  }
  await operator?.stop();
  await h.tearDown();
  wallet?.remove();
  await db?.drop();
});

it('abandons on chain a member whose expected workload never registers, once the grace has passed, and never asks about members expected to run nothing', async () => {
  const daoId = `rg${hex(4)}`;
  const channel = daoChannelName(daoId, 1);
  const signed = {
    agreementId: `${daoId}-v1`,
    daoId,
    version: 1,
    betaPpm: 600_000,
    members: [
      { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600_000 },
      { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 },
      { mspId: VSP2, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 },
    ],
    terms: testTerms(DSP, { heartbeatIntervalSeconds: 1, abandonAfterSeconds: ABANDON_AFTER_SECONDS, exitNoticeSeconds: 0 }),
    // VSP1 runs its own node; nothing is asked of the DSP or VSP2.
    infrastructure: { workloads: [{ name: 'vsp1-node', owner: VSP1, placement: 'self-hosted', kind: 'service' }] },
  };
  const body = { ...signed, documentDigest: createHash('sha256').update(JSON.stringify(signed)).digest('hex') };
  // Each acceptance signed by a person of the organisation, enrolled at its own CA in its domain.
  const identities = await Promise.all([DSP, VSP1, VSP2].map((m) => enrollClientIdentity(ctx, m, 'it-signer')));
  // The operator forms the channel from the members' packages and submits nothing as a member.
  expect(await operator.admin!.createDaoVersion({ agreement: body, signatures: acceptancesOf(body, identities).signatures })).toMatchObject({ daoId, version: 1, channel, initTxId: '' });

  // The real VersionCreated, submitted by the DSP's own bridge and relayed to its sealed topic: the
  // DSP's telemetry knows what the spec expects of each member.
  const rows = await eventually('the version in the DSP\'s telemetry', async () => {
    const found = (await h.query(`SELECT msp_id, expected_workloads, expected_since_ms, status FROM "${h.schema}".members WHERE channel = $1 ORDER BY position`, [channel])) as Array<Record<string, unknown>>;
    return found.length === 3 ? found : undefined;
  }, 600_000);
  const [{ created_at_ms: createdAt }] = (await h.query(`SELECT created_at_ms FROM "${h.schema}".versions WHERE channel = $1`, [channel])) as [{ created_at_ms: string }];
  const createdAtMs = Number(createdAt);
  expect(rows.map((m) => [m['msp_id'], m['expected_workloads'], m['expected_since_ms'] === null ? null : Number(m['expected_since_ms'])])).toEqual([
    [DSP, 0, null],
    [VSP1, 1, createdAtMs],
    [VSP2, 0, null],
  ]);

  // Abandoned by the chaincode, as the DSP's telemetry learns from the MemberAbandoned its bridge relays.
  await eventually('VSP1 abandoned in the DSP\'s telemetry', async () => {
    const found = (await h.query(`SELECT 1 FROM "${h.schema}".members WHERE channel = $1 AND msp_id = $2 AND status = 'abandoned'`, [channel, VSP1])) as unknown[];
    return found.length === 1 || undefined;
  }, 300_000);
  const requests = (await h.query(
    `SELECT command_id, msp_id, since_ms, status, (extract(epoch FROM created_at) * 1000)::bigint AS asked_at_ms FROM "${h.schema}".abandonment_requests WHERE channel = $1 ORDER BY created_at`,
    [channel],
  )) as Array<{ command_id: string; msp_id: string; since_ms: string; status: string; asked_at_ms: string }>;
  expect(requests.length).toBeGreaterThanOrEqual(1);
  expect(requests.every((r) => r.msp_id === VSP1)).toBe(true);
  // Asked only once the grace had passed, silence counted from the creation as the chaincode counts it.
  expect(Number(requests[0]!.asked_at_ms)).toBeGreaterThan(createdAtMs + GRACE_SECONDS * 1000);
  expect(Number(requests[0]!.since_ms)).toBe(createdAtMs);
  expect(requests[0]!.command_id.startsWith(`telemetry:abandon:${channel}:${VSP1}:${createdAtMs}:`)).toBe(true);
  // On the DSP's own commands topic, as the DSP: its own bridge signs it.
  const [evaluation] = h.evaluations(channel);
  expect(evaluation!.command).toMatchObject({ channel, chaincode: DAO.chaincode, transaction: 'EvaluateAbandonment', arguments: [VSP1], actingMspId: DSP });
  await eventually('the receipt of the evaluation', async () => {
    const found = (await h.query(`SELECT status FROM "${h.schema}".abandonment_requests WHERE command_id = $1`, [requests[0]!.command_id])) as Array<{ status: string }>;
    return found[0]?.status === 'committed' || undefined;
  });

  // Several abandon-after periods later, nobody else has been put to the chaincode.
  await sleep(3 * ABANDON_AFTER_SECONDS * 1000);
  expect(h.evaluations(channel).every((e) => e.command.arguments[0] === VSP1)).toBe(true);

  // The peer's view, read as the DSP from its own peer with its own identity: VSP1 abandoned with no heartbeat ever, the others active.
  const pkg = readMspPackage(ctx, DSP);
  const dsp = connectGateway({ endpoint: pkg.peer.endpoint, hostAlias: pkg.peer.hostAlias, tlsCaPem: pkg.peer.tlsCaCert }, identities[0]!);
  try {
    const net = dsp.gateway.getNetwork(channel);
    const version = JSON.parse(await evaluate(net, DAO.chaincode, DAO.tx.GetVersion)) as { status: string; memberStates: Array<{ mspId: string; status: string; lastHeartbeatMs?: number | null }> };
    expect(version.status).toBe('active');
    expect(version.memberStates.map((m) => [m.mspId, m.status])).toEqual([
      [DSP, 'active'],
      [VSP1, 'abandoned'],
      [VSP2, 'active'],
    ]);
    expect(version.memberStates.find((m) => m.mspId === VSP1)?.lastHeartbeatMs ?? null).toBeNull();
    // Why telemetry must not ask about a member expected to run nothing: the chaincode, which sees no
    // heartbeat of it either, abandons it when asked.
    const asked = await submit(net, DAO.chaincode, DAO.tx.EvaluateAbandonment, VSP2);
    expect(JSON.parse(asked.result)).toMatchObject({ mspId: VSP2, abandoned: true });
  } finally {
    dsp.close();
  }
});
