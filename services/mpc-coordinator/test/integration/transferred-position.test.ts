import { MpcCoordinator } from '../../src/mpc-coordinator';
import { authorizeRequest, parseComputationRequest } from '../../src/computations/authorization';
import { hex, kafkaClient, publishLedgerEvent, startCoordinator, waitFor } from './harness';

jest.setTimeout(180_000);

/**
 * The read model follows a transfer of rights and new terms, through the coordinator (Kafka, inbox,
 * PostgreSQL): after MemberTransferred on a version's channel the leaver may no longer ask and the
 * recipient may, and a computation the leaver received goes to the recipient (the terms the chaincode
 * rewrote); an accepted change-terms replaces the computations; other versions stay as they were.
 */
describe('mpc-coordinator: a transferred position and changed terms in the read model', () => {
  const run = hex();
  const daoId = `mpctr${run}`;
  const kafka = kafkaClient();
  const dsp = `Dspt${run}MSP`;
  const leaver = `Vspt${run}MSP`;
  const newcomer = `Newt${run}MSP`;
  let coordinator: Awaited<ReturnType<typeof startCoordinator>>;

  beforeAll(async () => {
    coordinator = await startCoordinator(run);
  });
  afterAll(async () => {
    await coordinator?.close();
  });

  const members = [
    { mspId: dsp, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600000 },
    { mspId: leaver, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400000 },
  ];
  const terms = (computations: unknown) => ({ durationDays: 1, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 60, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations });
  const view = (version: number) => coordinator.app.get(MpcCoordinator).repository.version(daoId, version);
  // The request as the coordinator parses it: its signature's fields are there (it takes no unsigned
  // request); verifying them is signed-request.ts's part, not this read model's, so they are placeholders.
  const request = (version: number) =>
    parseComputationRequest({ daoId, version, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'readings' }, requestId: `r-${version}`, issuedAtMs: Date.now(), certificatePem: 'not verified here', signature: Buffer.from('not verified here').toString('base64') });

  it('lets the recipient ask and receive in the leaver\'s place on that version only, and takes accepted new terms', async () => {
    for (const version of [1, 2]) {
      await publishLedgerEvent(kafka, `dao-${daoId}-v${version}`, 'VersionCreated', { daoId, version, members, terms: terms([{ name: 'mean', resultRecipients: [leaver] }]), createdAtMs: Date.now() }, coordinator.eventsTopic);
    }
    await waitFor('both versions known', async () => ((await view(1)) && (await view(2)) ? true : undefined));
    const rewritten = terms([{ name: 'mean', resultRecipients: [newcomer] }]);
    await publishLedgerEvent(kafka, `dao-${daoId}-v2`, 'MemberTransferred', { transferId: `t-${run}`, from: leaver, to: newcomer, group: 'J1', level: 1, terms: rewritten }, coordinator.eventsTopic);
    const moved = await waitFor('the transfer applied', async () => {
      const v = await view(2);
      return v?.members.some((m) => m.mspId === newcomer) ? v : undefined;
    });
    expect(moved.members).toEqual([
      { mspId: dsp, role: 'DSP', group: 'D', status: 'active' },
      { mspId: leaver, role: 'VSP', group: 'J1', status: 'exited' },
      { mspId: newcomer, role: 'VSP', group: 'J1', status: 'active' },
    ]);
    expect(moved.computations).toEqual(rewritten.computations);
    expect(authorizeRequest(moved, newcomer, request(2))).toMatchObject({ recipients: [newcomer] });
    expect(() => authorizeRequest(moved, leaver, request(2))).toThrow(/is exited/);
    // Version 1's channel recorded no transfer: the leaver is still its member there.
    const first = await view(1);
    expect(authorizeRequest(first!, leaver, request(1))).toMatchObject({ recipients: [leaver] });

    // A rejected change-terms changes nothing; an accepted one replaces the computations.
    await publishLedgerEvent(kafka, `dao-${daoId}-v2`, 'ProposalDecided', { proposalId: `p-no-${run}`, kind: 'change-terms', outcome: 'rejected' }, coordinator.eventsTopic);
    const changed = [{ name: 'mean', resultRecipients: [dsp, newcomer] }];
    await publishLedgerEvent(kafka, `dao-${daoId}-v2`, 'ProposalDecided', { proposalId: `p-yes-${run}`, kind: 'change-terms', outcome: 'accepted', effect: { terms: terms(changed) } }, coordinator.eventsTopic);
    const after = await waitFor('the new terms applied', async () => {
      const v = await view(2);
      return v?.computations[0]?.resultRecipients.length === 2 ? v : undefined;
    });
    expect(after.computations).toEqual(changed);
    expect(after.members).toEqual(moved.members);
  });
});
