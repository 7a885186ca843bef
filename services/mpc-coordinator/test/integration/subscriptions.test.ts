import { DataSource } from 'typeorm';
import { TOPICS } from '@datawell/contracts';
import { MpcCoordinator } from '../../src/mpc-coordinator';
import { CUSTODY_ON, hex, kafkaClient, publishLedgerEvent, readTopics, startCoordinator, waitFor } from './harness';

jest.setTimeout(180_000);

/**
 * Subscription charging through the coordinator: a priced subscription version learnt from its
 * VersionCreated event (Kafka, inbox, PostgreSQL) is charged each begun period by a ChargeSubscription
 * command through the outbox, as its founding member, once per period; a superseded version no more;
 * a version whose successor was created, or that was dissolved, no period that begins from then on.
 */
describe('mpc-coordinator: subscription periods charged through ledger commands', () => {
  const run = hex();
  const daoId = `mpcsub${run}`;
  const channel = `dao-${daoId}-v1`;
  const kafka = kafkaClient();
  const dsp = `Dspx${run}MSP`;
  const vsp = `Vspx${run}MSP`;
  let coordinator: Awaited<ReturnType<typeof startCoordinator>>;

  beforeAll(async () => {
    // Explicitly custodial: ChargeSubscription signed as the founding member of a DAO the operator holds
    // (custody off, the coordinator charges nothing; a DAO of domains is charged by its DSP's own bridge:
    // ledger-bridge's domain-formation.test.ts).
    coordinator = await startCoordinator(run, CUSTODY_ON);
  });
  afterAll(async () => {
    await coordinator?.close();
  });

  const logged = (message: string) => coordinator.logs.some((l) => l.includes(message) && l.includes(`"daoId":"${daoId}"`));
  const periodsSent = async () =>
    ((await coordinator.app.get(DataSource).query(`SELECT periods_sent, superseded FROM mpc_coordinator.subscriptions WHERE dao_id = $1 AND version = 1`, [daoId])) as Array<{ periods_sent: number; superseded: boolean }>)[0];
  const commands = async () =>
    (await readTopics(kafka, [TOPICS.ledgerCommands]))
      .map((m) => JSON.parse(String(m.message.value)) as { id: string; data: { channel: string; transaction: string; arguments: string[]; actingMspId: string } })
      .filter((e) => e.data.channel === channel);

  it('sends ChargeSubscription for each begun period once, as the founding member, and stops at a successor', async () => {
    const now = Date.now();
    // Created two and a half periods (of a minute) ago: periods 0, 1 and 2 have begun.
    await publishLedgerEvent(kafka, channel, 'VersionCreated', {
      daoId,
      version: 1,
      members: [
        { mspId: dsp, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600000 },
        { mspId: vsp, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400000 },
      ],
      terms: { durationDays: 1, businessModel: 'subscription', heartbeatIntervalSeconds: 60, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [], price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 60 } } },
      createdAtMs: now - 150_000,
      contractEndsAtMs: now - 150_000 + 86_400_000,
    }, coordinator.eventsTopic);
    await waitFor('the subscription learnt', async () => (logged('subscription to charge each period') ? true : undefined));
    const service = coordinator.app.get(MpcCoordinator).computations;
    await service.chargeSubscriptions(now);
    expect(await periodsSent()).toEqual({ periods_sent: 3, superseded: false });
    const sent = await waitFor('three ChargeSubscription commands', async () => ((await commands()).length >= 3 ? commands() : undefined));
    expect(sent.map((c) => [c.id, c.data.transaction, c.data.arguments, c.data.actingMspId])).toEqual(
      [0, 1, 2].map((k) => [`mpc-coordinator:charge-subscription:${channel}:${k}`, 'ChargeSubscription', [String(k)], dsp]),
    );
    // Again at the same time: nothing new; a minute later: period 3.
    await service.chargeSubscriptions(now);
    expect((await periodsSent())?.periods_sent).toBe(3);
    await service.chargeSubscriptions(now + 60_000);
    expect((await periodsSent())?.periods_sent).toBe(4);
    // Version 2 took over: version 1 is charged no more.
    await publishLedgerEvent(kafka, channel, 'VersionSuperseded', { daoId, version: 1, successorChannel: `dao-${daoId}-v2` }, coordinator.eventsTopic);
    await waitFor('the subscription superseded', async () => (logged('subscription superseded') ? true : undefined));
    await service.chargeSubscriptions(now + 600_000);
    expect(await periodsSent()).toEqual({ periods_sent: 4, superseded: true });
    expect((await waitFor('four commands', async () => ((await commands()).length >= 4 ? commands() : undefined))).map((c) => c.data.arguments[0])).toEqual(['0', '1', '2', '3']);
  });

  it("keeps the DAO's one grid across a join: version 1 charges the periods begun before version 2 was created, version 2 the rest, none twice", async () => {
    const dao = `${daoId}g`;
    const [ch1, ch2] = [`dao-${dao}-v1`, `dao-${dao}-v2`];
    const origin = Date.now() - 150_000;
    const joinedAt = origin + 130_000; // period 2 (from origin + 120 s) in progress
    const price = (originMs?: number) => ({ currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 60, ...(originMs !== undefined ? { originMs } : {}) } });
    const version = (v: number, createdAtMs: number, originMs?: number) => ({
      daoId: dao,
      version: v,
      members: [
        { mspId: dsp, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600000 },
        { mspId: vsp, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400000 },
      ],
      terms: { durationDays: 1, businessModel: 'subscription', heartbeatIntervalSeconds: 60, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [], price: price(originMs) },
      createdAtMs,
      contractEndsAtMs: createdAtMs + 86_400_000,
    });
    await publishLedgerEvent(kafka, ch1, 'VersionCreated', version(1, origin), coordinator.eventsTopic);
    await publishLedgerEvent(kafka, ch2, 'VersionCreated', version(2, joinedAt, origin), coordinator.eventsTopic);
    await publishLedgerEvent(kafka, ch1, 'VersionSuperseded', { daoId: dao, version: 1, successorChannel: ch2, supersededAtMs: joinedAt + 5_000, successorCreatedAtMs: joinedAt }, coordinator.eventsTopic);
    const rows = async () =>
      (await coordinator.app.get(DataSource).query(`SELECT version, periods_sent, superseded, ends_at_ms FROM mpc_coordinator.subscriptions WHERE dao_id = $1 ORDER BY version`, [dao])) as Array<{ version: number; periods_sent: number; superseded: boolean; ends_at_ms: string }>;
    await waitFor('both versions learnt and version 1 ending at the join', async () => {
      const r = await rows();
      return r.length === 2 && Number(r[0]?.ends_at_ms) === joinedAt ? r : undefined;
    });
    // Version 2 starts at its first period: 3 (from origin + 180 s), the first to begin after its creation.
    expect((await rows())[1]).toMatchObject({ version: 2, periods_sent: 3 });
    // Version 2's VersionCreated already ended version 1 at the join, so the wait above can end while
    // the VersionSuperseded event's transaction still holds version 1's row: charging skips a locked
    // row (SKIP LOCKED) and takes it up on its next run. Runs at the same time are idempotent.
    const charged = await waitFor('both versions charged up to origin + 590 s', async () => {
      await coordinator.app.get(MpcCoordinator).computations.chargeSubscriptions(origin + 590_000);
      const r = (await rows()).map((x) => [x.version, x.periods_sent, x.superseded]);
      return r[0]?.[1] === 3 && r[1]?.[1] === 10 ? r : undefined;
    });
    expect(charged).toEqual([
      [1, 3, false],
      [2, 10, false],
    ]);
    const sent = await waitFor('ten ChargeSubscription commands of the DAO', async () => {
      const all = (await readTopics(kafka, [TOPICS.ledgerCommands]))
        .map((m) => JSON.parse(String(m.message.value)) as { data: { channel: string; arguments: string[] } })
        .filter((e) => e.data.channel === ch1 || e.data.channel === ch2);
      return all.length >= 10 ? all : undefined;
    });
    const periods = (channel: string) => sent.filter((c) => c.data.channel === channel).map((c) => Number(c.data.arguments[0]));
    expect(periods(ch1)).toEqual([0, 1, 2]);
    expect(periods(ch2)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });
  const subscriptionRows = async (dao: string) =>
    (await coordinator.app.get(DataSource).query(`SELECT version, periods_sent, superseded, ends_at_ms FROM mpc_coordinator.subscriptions WHERE dao_id = $1 ORDER BY version`, [dao])) as Array<{
      version: number;
      periods_sent: number;
      superseded: boolean;
      ends_at_ms: string;
    }>;
  const daoVersion = (dao: string, v: number, createdAtMs: number, originMs?: number) => ({
    daoId: dao,
    version: v,
    members: [
      { mspId: dsp, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600000 },
      { mspId: vsp, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400000 },
    ],
    terms: { durationDays: 1, businessModel: 'subscription', heartbeatIntervalSeconds: 60, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [], price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 60, ...(originMs !== undefined ? { originMs } : {}) } } },
    createdAtMs,
    contractEndsAtMs: createdAtMs + 86_400_000,
  });

  it("ends version 1's charging at version 2's creation from version 2's VersionCreated (before any VersionSuperseded), and a dissolved version's at its dissolution", async () => {
    const dao = `${daoId}d`;
    const [ch1, ch2] = [`dao-${dao}-v1`, `dao-${dao}-v2`];
    const origin = Date.now() - 150_000;
    const joinedAt = origin + 200_000; // period 3 (from origin + 180 s) in progress
    const service = coordinator.app.get(MpcCoordinator).computations;
    await publishLedgerEvent(kafka, ch1, 'VersionCreated', daoVersion(dao, 1, origin), coordinator.eventsTopic);
    await waitFor('version 1 learnt', async () => ((await subscriptionRows(dao)).length === 1 ? true : undefined));
    await service.chargeSubscriptions(origin + 150_000);
    // Version 2 is created; version 1 has not recorded it (no VersionSuperseded).
    await publishLedgerEvent(kafka, ch2, 'VersionCreated', daoVersion(dao, 2, joinedAt, origin), coordinator.eventsTopic);
    await waitFor('version 1 ending at the join', async () => {
      const r = await subscriptionRows(dao);
      return r.length === 2 && Number(r[0]?.ends_at_ms) === joinedAt ? r : undefined;
    });
    await service.chargeSubscriptions(origin + 400_000);
    // Version 1: periods 0–3 (period 4, from origin + 240 s, began after the join); version 2: from its first, 4, to 6.
    expect((await subscriptionRows(dao)).map((r) => [r.version, r.periods_sent, r.superseded])).toEqual([
      [1, 4, false],
      [2, 7, false],
    ]);
    // Version 2 dissolved (its founding member abandoned) during period 7 (from origin + 420 s): nothing from period 8 on.
    await publishLedgerEvent(kafka, ch2, 'MemberAbandoned', { mspId: dsp, group: 'D', role: 'DSP', lastHeartbeatMs: null, decidedAtMs: origin + 430_000, levelEnded: false, dissolved: true }, coordinator.eventsTopic);
    await waitFor('version 2 ending at its dissolution', async () => (Number((await subscriptionRows(dao))[1]?.ends_at_ms) === origin + 430_000 ? true : undefined));
    await service.chargeSubscriptions(origin + 900_000);
    expect((await subscriptionRows(dao)).map((r) => [r.version, r.periods_sent])).toEqual([
      [1, 4],
      [2, 8],
    ]);
    const sent = await waitFor('eight ChargeSubscription commands of the DAO', async () => {
      const all = (await readTopics(kafka, [TOPICS.ledgerCommands]))
        .map((m) => JSON.parse(String(m.message.value)) as { data: { channel: string; arguments: string[] } })
        .filter((e) => e.data.channel === ch1 || e.data.channel === ch2);
      return all.length >= 8 ? all : undefined;
    });
    const periods = (channel: string) => sent.filter((c) => c.data.channel === channel).map((c) => Number(c.data.arguments[0]));
    expect(periods(ch1)).toEqual([0, 1, 2, 3]);
    expect(periods(ch2)).toEqual([4, 5, 6, 7]);
  });

  it('ends charging at an accepted dissolve at the ledger event\'s time, and warns of periods already sent that begin after it', async () => {
    const dao = `${daoId}p`;
    const ch1 = `dao-${dao}-v1`;
    const origin = Date.now() - 150_000; // periods 0–2 have begun, period 3 begins in 30 s
    const service = coordinator.app.get(MpcCoordinator).computations;
    await publishLedgerEvent(kafka, ch1, 'VersionCreated', daoVersion(dao, 1, origin), coordinator.eventsTopic);
    await waitFor('version 1 learnt', async () => ((await subscriptionRows(dao)).length === 1 ? true : undefined));
    // Charged ahead (as a coordinator whose clock runs fast would): period 3 is sent before the dissolution is known.
    await service.chargeSubscriptions(origin + 190_000);
    expect((await subscriptionRows(dao))[0]?.periods_sent).toBe(4);
    const before = Date.now();
    await publishLedgerEvent(kafka, ch1, 'ProposalDecided', { proposalId: `p-${run}`, kind: 'dissolve', outcome: 'accepted', yesPpm: 1000000, noPpm: 0, activeOwnershipPpm: 1000000, effect: { dissolved: true } }, coordinator.eventsTopic);
    const ended = await waitFor('version 1 ending at the dissolve', async () => {
      const endsAtMs = Number((await subscriptionRows(dao))[0]?.ends_at_ms);
      return endsAtMs < origin + 86_400_000 ? endsAtMs : undefined;
    });
    // The CloudEvent's time (ProposalDecided carries none): when the event was published.
    expect(ended).toBeGreaterThanOrEqual(before);
    expect(ended).toBeLessThanOrEqual(Date.now());
    await waitFor('the warning of period 3', async () =>
      coordinator.logs.some((l) => l.includes('subscription periods were sent that begin at or after the end of charging') && l.includes(`"daoId":"${dao}"`) && l.includes('"from":3') && l.includes('"to":3')) ? true : undefined,
    );
    await service.chargeSubscriptions(origin + 900_000);
    expect((await subscriptionRows(dao))[0]?.periods_sent).toBe(4);
  });
});
