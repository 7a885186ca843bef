import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DAO, daoChannelName } from '@datawell/contracts';
import { enrollClientIdentity } from '@datawell/stack';
import { acceptancesOf, connectAs, evaluate, REPO_DIR, submit, testStackContext, testTerms } from '@datawell/testing';
import { stackPeerDirectory } from '../../../ledger-bridge/src/admin/fabric-admin.adapter';
import { LedgerBridge } from '../../../ledger-bridge/src/ledger-bridge';
import { bridgeSettings, operatorWallet, scratchDatabase } from '../../../ledger-bridge/test/integration/harness';
import { eventually, hex, sleep, TelemetryHarness } from './harness';

/*
 * A member that should run a workload but never registers one, on the real network, nothing
 * synthetic: telemetry (in-process, operator mode) on the topics of a real ledger bridge (in-process,
 * the operator's, holding the scenario organisations' identities as in the life-cycle scenario). The
 * DAO is formed for real (InitVersion as the DSP): its infrastructure spec names one workload, VSP1's;
 * the DSP and VSP2 are named in none. Nobody registers or heartbeats. Once the registration grace has
 * passed, telemetry has the bridge submit EvaluateAbandonment about VSP1 as the DSP, and the chaincode
 * abandons it (its MemberAbandoned relayed back); the DSP and VSP2 are never put to the chaincode, though
 * the chaincode would abandon either if asked (shown last, by asking it directly).
 */
jest.setTimeout(900_000);

const ctx = testStackContext();
// The life-cycle scenario's organisations (reused across runs and suites: onboarding them again is a no-op).
const [DSP, VSP1, VSP2] = ['LcDspMSP', 'LcVsp1MSP', 'LcVsp2MSP'];
// The grace only has to outlast abandon-after (else the chaincode refuses) and the VersionCreated relay
// (telemetry learns of the version within a second or two, under CI load a few): 10 s is both, and
// every second of it is waited out. Abandon-after is 3 periods of the 1 s heartbeat.
const GRACE_SECONDS = 10;
const ABANDON_AFTER_SECONDS = 3;
const h = new TelemetryHarness({ TELEMETRY_REGISTRATION_GRACE_SECONDS: String(GRACE_SECONDS) });
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let wallet: Awaited<ReturnType<typeof operatorWallet>>;
let bridge: LedgerBridge;

beforeAll(async () => {
  [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
  await h.setUp();
  const network = `tel-it-${h.id}.network`;
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  bridge = new LedgerBridge({
    dataSource: db.dataSource,
    schema: db.schema,
    kafka: h.kafka,
    settings: { ...bridgeSettings(wallet.dir, { events: h.topics.ledgerEvents, commands: h.topics.ledgerCommands, receipts: h.topics.ledgerReceipts }), admin },
    logger: new Logger('TelemetryRegistrationGraceIT'),
    outboxPollIntervalMs: 100,
    peers: stackPeerDirectory(admin),
    networkTopics: { commands: `${network}.commands`, events: `${network}.events`, agreements: `${network}.agreements`, commandsGroupId: `${network}-nc`, agreementsGroupId: `${network}-ag` },
  });
  await bridge.start();
  for (const [mspId, role] of [[DSP, 'DSP'], [VSP1, 'VSP'], [VSP2, 'VSP']] as const) {
    await bridge.admin!.onboardParticipant({ mspId, role, name: `Scenario ${role} ${mspId}` });
  }
});

afterAll(async () => {
  await bridge?.stop();
  await h.tearDown();
  wallet?.remove();
  await db?.drop();
});

it('abandons on chain a member whose expected workload never registers, once the grace has passed, and never asks about members expected to run nothing', async () => {
  const daoId = `rg${hex(4)}`;
  const channel = daoChannelName(daoId, 1);
  const body = {
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
    documentDigest: 'ab'.repeat(32),
  };
  const identities = await Promise.all([DSP, VSP1, VSP2].map((m) => enrollClientIdentity(ctx, m, 'scenario')));
  await bridge.admin!.createDaoVersion({ agreement: body, signatures: acceptancesOf(body, identities).signatures });

  // The real VersionCreated, relayed by the bridge: telemetry knows what the spec expects of each member.
  const members = await eventually('the version in telemetry', async () => {
    const rows = (await h.query(`SELECT msp_id, expected_workloads, expected_since_ms, status FROM "${h.schema}".members WHERE channel = $1 ORDER BY position`, [channel])) as Array<Record<string, unknown>>;
    return rows.length === 3 ? rows : undefined;
  }, 300_000);
  const [{ created_at_ms: createdAt }] = (await h.query(`SELECT created_at_ms FROM "${h.schema}".versions WHERE channel = $1`, [channel])) as [{ created_at_ms: string }];
  const createdAtMs = Number(createdAt);
  expect(members.map((m) => [m['msp_id'], m['expected_workloads'], m['expected_since_ms'] === null ? null : Number(m['expected_since_ms'])])).toEqual([
    [DSP, 0, null],
    [VSP1, 1, createdAtMs],
    [VSP2, 0, null],
  ]);

  // Abandoned by the chaincode, as telemetry learns from the relayed MemberAbandoned.
  await eventually('VSP1 abandoned in telemetry', async () => {
    const rows = (await h.query(`SELECT 1 FROM "${h.schema}".members WHERE channel = $1 AND msp_id = $2 AND status = 'abandoned'`, [channel, VSP1])) as unknown[];
    return rows.length === 1 || undefined;
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
  const [evaluation] = h.evaluations(channel);
  expect(evaluation!.command).toMatchObject({ channel, chaincode: DAO.chaincode, transaction: 'EvaluateAbandonment', arguments: [VSP1], actingMspId: DSP });
  await eventually('the receipt of the evaluation', async () => {
    const rows = (await h.query(`SELECT status FROM "${h.schema}".abandonment_requests WHERE command_id = $1`, [requests[0]!.command_id])) as Array<{ status: string }>;
    return rows[0]?.status === 'committed' || undefined;
  });

  // Several abandon-after periods later, nobody else has been put to the chaincode.
  await sleep(3 * ABANDON_AFTER_SECONDS * 1000);
  expect(h.evaluations(channel).every((e) => e.command.arguments[0] === VSP1)).toBe(true);

  // The peer's view, read as the DSP: VSP1 abandoned with no heartbeat ever, the others active.
  const dsp = await connectAs(ctx, DSP);
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
