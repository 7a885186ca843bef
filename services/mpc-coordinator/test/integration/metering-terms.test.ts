import { TOPICS } from '@datawell/contracts';
import { MpcCoordinator } from '../../src/mpc-coordinator';
import { CUSTODY_ON, hex, kafkaClient, publishLedgerEvent, readTopics, startCoordinator, waitFor } from './harness';

jest.setTimeout(180_000);

/**
 * Metering decided from the version's terms, through the coordinator (Kafka, inbox, PostgreSQL,
 * outbox): a completed computation of a pay-per-use version without a price is sent nothing (logged
 * once, with why); once an accepted change-terms gives the version a price, the next one is sent
 * for metering (MeterComputation). A subscription version's computations are sent nothing either.
 */
describe('mpc-coordinator: MeterComputation only for a priced pay-per-use version', () => {
  const run = hex();
  const daoId = `mpcmt${run}`;
  const kafka = kafkaClient();
  const dsp = `Dspm${run}MSP`;
  const vsp = `Vspm${run}MSP`;
  let coordinator: Awaited<ReturnType<typeof startCoordinator>>;

  beforeAll(async () => {
    // Explicitly custodial: MeterComputation signed as a member of a DAO the operator holds (custody off,
    // the coordinator meters nothing; in a DAO of domains the recipient's own bridge meters it).
    coordinator = await startCoordinator(run, CUSTODY_ON);
  });
  afterAll(async () => {
    await coordinator?.close();
  });

  const members = [
    { mspId: dsp, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600000 },
    { mspId: vsp, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400000 },
  ];
  const terms = (extra: Record<string, unknown>) => ({ durationDays: 1, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 60, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [{ name: 'mean', resultRecipients: [vsp] }], ...extra });
  const logLines = (jobId: string) => coordinator.logs.join('').split('\n').filter((l) => l.includes(`"jobId":"${jobId}"`));
  const meterCommands = async () =>
    (await readTopics(kafka, [TOPICS.ledgerCommands]))
      .map((m) => JSON.parse(String(m.message.value)) as { id: string; data: { channel: string; transaction: string; arguments: string[]; actingMspId: string } })
      .filter((e) => e.data.channel.startsWith(`dao-${daoId}-`) && e.data.transaction === 'MeterComputation');
  /** A job this coordinator ran (its row, as a request inserts it), then its ComputationCompleted relayed from the ledger. */
  const completeJob = async (version: number, jobId: string) => {
    await coordinator.app.get(MpcCoordinator).repository.insert({ id: jobId, daoId, version, computation: 'mean', requester: vsp, recipients: [vsp], owner: dsp, parameters: { columns: ['x'], fractionalBits: 16 }, dataset: { name: 'readings' } });
    await publishLedgerEvent(kafka, `dao-${daoId}-v${version}`, 'ComputationCompleted', { jobId, computation: 'mean', members: [dsp, vsp], resultDigest: 'ab'.repeat(32), recipients: [vsp], recordedBy: vsp, atMs: Date.now() }, coordinator.eventsTopic);
  };

  it('sends nothing for an unpriced version, and MeterComputation once an accepted change-terms prices it', async () => {
    const channel = `dao-${daoId}-v1`;
    await publishLedgerEvent(kafka, channel, 'VersionCreated', { daoId, version: 1, members, terms: terms({}), createdAtMs: Date.now(), contractEndsAtMs: Date.now() + 86_400_000 }, coordinator.eventsTopic);
    const unpriced = `unpriced-${run}`;
    await completeJob(1, unpriced);
    await waitFor('the unpriced job decided', async () => (logLines(unpriced).length > 0 ? true : undefined));
    expect(logLines(unpriced)).toEqual([expect.stringContaining('not metering a computation: no price for it')]);
    expect(logLines(unpriced)[0]).toContain("the version's terms carry no price per computation");

    // A rejected change-terms changes nothing; an accepted one prices the version (same channel).
    const priced = terms({ price: { currency: 'EUR', perComputation: '1500' } });
    await publishLedgerEvent(kafka, channel, 'ProposalDecided', { proposalId: `p-no-${run}`, kind: 'change-terms', outcome: 'rejected' }, coordinator.eventsTopic);
    await publishLedgerEvent(kafka, channel, 'ProposalDecided', { proposalId: `p-yes-${run}`, kind: 'change-terms', outcome: 'accepted', effect: { terms: priced } }, coordinator.eventsTopic);
    const paid = `priced-${run}`;
    await completeJob(1, paid);
    const [command] = await waitFor('the MeterComputation command', async () => ((await meterCommands()).length > 0 ? meterCommands() : undefined));
    expect(command).toMatchObject({ id: `mpc-coordinator:meter-computation:${paid}`, data: { channel, transaction: 'MeterComputation', arguments: [paid], actingMspId: vsp } });
    expect(logLines(paid)).toEqual([expect.stringContaining('computation sent for metering')]);

    // A subscription version (v2): its computations are not charged one by one.
    await publishLedgerEvent(kafka, `dao-${daoId}-v2`, 'VersionCreated', { daoId, version: 2, members, terms: terms({ businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 3600 } } }), createdAtMs: Date.now(), contractEndsAtMs: Date.now() + 86_400_000 }, coordinator.eventsTopic);
    const onSubscription = `subscription-${run}`;
    await completeJob(2, onSubscription);
    await waitFor('the subscription job decided', async () => (logLines(onSubscription).length > 0 ? true : undefined));
    expect(logLines(onSubscription)[0]).toContain('business model is subscription');
    // The unpriced job's and the subscription's were never sent: one command in all.
    expect((await meterCommands()).map((c) => c.data.arguments[0])).toEqual([paid]);
  });
});
