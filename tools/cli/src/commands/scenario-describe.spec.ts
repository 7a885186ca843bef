import type { DomainFormationResult, LifecycleResult } from '@datawell/testing';
import { computeSummary, describeDomains, describeGovernance, describeLifecycle, governanceSummary, type GovernanceOnStackResult } from './scenario';

/** A DAO of domains with a computation, as runDomainFormation returns it (the fields the summary prints). */
const formed = {
  daoId: 'up1',
  versions: [{ version: 1, channel: 'dao-up1-v1', members: ['UpDspMSP', 'UpVsp1MSP'] }],
  readBy: { UpDspMSP: { members: ['UpDspMSP', 'UpVsp1MSP'], status: 'active' }, UpVsp1MSP: { members: ['UpDspMSP', 'UpVsp1MSP'], status: 'active' } },
  payouts: { UpDspMSP: '800000', UpVsp1MSP: '200000' },
  otherMemberAtBridge: { status: 403, code: 'FORBIDDEN' },
  computation: {
    id: 'cmp-1',
    dataset: { name: 'readings', topic: 'datawell.member.UpDspMSP.pm25-0a1b2c3d-readings.v1', file: '/x/readings.jsonl', column: 'pm25' },
    published: 65,
    requester: 'UpVsp1MSP',
    recipients: ['UpVsp1MSP'],
    atCoordinator: { status: 'completed', resultDigest: 'ab'.repeat(32), resultAnswer: { status: 409, code: 'RESULT_IN_RECIPIENT_DOMAIN' } },
    nodes: [],
    atRecipients: { UpVsp1MSP: { result: { n: 3, mean: 2 }, resultDigest: 'ab'.repeat(32), txId: 'cc'.repeat(32) } },
    atDsp: { status: 404, code: 'RESULT_NOT_FOUND' },
  },
  usage: [
    { txId: 'tx-g', usageId: 'cmp-1', requester: 'UpVsp1MSP', computation: 'mean', recipients: ['UpVsp1MSP'], outcome: 'granted', rows: 3, resultDigest: 'ab'.repeat(32), recordedBy: 'UpVsp1MSP' },
    { txId: 'tx-r', usageId: 'cmp-2', requester: 'UpVsp1MSP', computation: 'mean', recipients: ['UpDspMSP'], outcome: 'refused', check: 'recipients-allowed', recordedBy: 'UpDspMSP' },
  ],
} as unknown as DomainFormationResult;

describe("the summary of a DAO of domains (./dev up, ./dev scenario domains)", () => {
  it('tells where the result went and how to read it, and the DSP’s usage trail with its transactions', () => {
    const text = describeDomains(formed);
    expect(text).toContain("the DSP's sensors published 65 readings of readings to datawell.member.UpDspMSP.pm25-0a1b2c3d-readings.v1, each sealed to the DSP's node");
    expect(text).toContain('computation cmp-1: UpVsp1MSP asked for the mean of readings');
    expect(text).toContain('the result itself: 409 RESULT_IN_RECIPIENT_DOMAIN');
    expect(text).toContain(`UpVsp1MSP        received it in its own domain: {"n":3,"mean":2} (ComputationCompleted tx ${'cc'.repeat(32)}); ./dev result --dao up1 --version 1 --id cmp-1 --as UpVsp1MSP`);
    expect(text).toContain('(./dev usage --dataset readings --dao up1 --as UpDspMSP)');
    expect(text).toContain('tx tx-g: UpVsp1MSP mean to UpVsp1MSP: granted, recorded by UpVsp1MSP');
    expect(text).toContain('tx tx-r: UpVsp1MSP mean to UpDspMSP: refused (recipients-allowed), recorded by UpDspMSP');
  });

  it('lists payouts under what made them (recorded revenue, the metered computation), and none without either', () => {
    expect(describeDomains(formed)).toContain("  the computation, metered at the terms' price by its recipient's bridge; each member's payout as it reads it through its own bridge:\n    UpDspMSP         800000");
    const paid = describeDomains({ ...formed, revenueTxId: 'tx-rev' } as DomainFormationResult);
    expect(paid).toContain("revenue recorded by the DSP in its own domain (tx tx-rev) and the computation, metered at the terms' price");
    const { computation: _c, usage: _u, ...plain } = formed as unknown as Record<string, unknown>;
    expect(describeDomains(plain as unknown as DomainFormationResult)).not.toContain('800000');
  });

  it('ends with each version\'s formation time when the scenario measured them, and says nothing of timings otherwise', () => {
    expect(describeDomains({ ...formed, timings: { formationMs: [7_300, 10_060] } }).endsWith('  formation (agreed → every member reads the version through its own bridge): v1 7.3 s, v2 10.1 s\n')).toBe(true);
    expect(describeDomains(formed)).not.toContain('formation (agreed');
  });

  it('says nothing of a computation when none ran', () => {
    const { computation: _c, usage: _u, ...plain } = formed as unknown as Record<string, unknown>;
    expect(describeDomains(plain as unknown as DomainFormationResult)).not.toContain('computation');
  });

  describe('./dev scenario compute --json', () => {
    const readings = '{"pm25":1.5}\n{"pm25":2}\n\n{"pm25":2.5}\n';

    it('is the computation as its recipient keeps it, the reference in the clear from the sensors\' readings, and the DSP\'s trail', () => {
      expect(computeSummary(formed, readings)).toEqual({
        daoId: 'up1',
        dataset: { name: 'readings', owner: 'UpDspMSP', topic: 'datawell.member.UpDspMSP.pm25-0a1b2c3d-readings.v1', published: 65 },
        computation: 'cmp-1',
        status: 'completed',
        mean: 2,
        reference: 2,
        resultDigest: 'ab'.repeat(32),
        recordedOnLedger: true,
        usage: [
          { txId: 'tx-g', requester: 'UpVsp1MSP', computation: 'mean', recipients: ['UpVsp1MSP'], outcome: 'granted' },
          { txId: 'tx-r', requester: 'UpVsp1MSP', computation: 'mean', recipients: ['UpDspMSP'], outcome: 'refused', check: 'recipients-allowed' },
        ],
      });
    });

    it('is not recorded when the recipient kept another digest, and has no mean when nothing completed', () => {
      const c = (formed as unknown as { computation: Record<string, unknown> }).computation;
      const other = { ...formed, computation: { ...c, atRecipients: { UpVsp1MSP: { result: { n: 3, mean: 2 }, resultDigest: 'ef'.repeat(32), txId: 'cc'.repeat(32) } } } } as unknown as DomainFormationResult;
      expect(computeSummary(other, readings).recordedOnLedger).toBe(false);
      const failed = { ...formed, computation: { ...c, atCoordinator: { status: 'failed', resultAnswer: { status: 409, code: 'X' } }, atRecipients: {} } } as unknown as DomainFormationResult;
      const summary = computeSummary(failed, readings);
      expect(summary).toMatchObject({ status: 'failed', recordedOnLedger: false, reference: 2 });
      expect(summary).not.toHaveProperty('mean');
    });
  });

  describe('./dev scenario lifecycle', () => {
    const lifecycle: LifecycleResult = {
      daoId: 'up1',
      versions: [{ version: 1, channel: 'dao-up1-v1', members: ['UpDspMSP', 'UpVsp1MSP'] }],
      offers: [{ offerId: 'offer-d', owner: 'UpDspMSP', kind: 'data', txId: 'tx-o1' }, { offerId: 'offer-v', owner: 'UpVsp1MSP', kind: 'value', txId: 'tx-o2' }],
      workloads: [{ id: 'up1-v1-upvsp1msp-node', member: 'UpVsp1MSP', version: 1, status: 'destroyed' }],
      abandoned: ['UpVsp1MSP'],
      payouts: { UpDspMSP: '1002500', UpVsp1MSP: '0' },
      revenueTxId: 'tx-after',
      formation: formed,
      timings: { formationMs: [9_200, 12_400], agreementToFirstHeartbeatMs: [18_700, 11_300] },
    };

    it('tells the formation as describeDomains does, then the offers, workloads, the abandonment and the payouts after it', () => {
      const text = describeLifecycle(lifecycle);
      expect(text.startsWith(describeDomains(formed))).toBe(true);
      expect(text).toContain('    offer-d                                  UpDspMSP         data (tx tx-o1)');
      expect(text).toContain('    up1-v1-upvsp1msp-node                    UpVsp1MSP        version 1: destroyed');
      expect(text).toContain('  abandoned: UpVsp1MSP\n');
      expect(text).toContain('(tx tx-after)');
      expect(text).toContain('    UpDspMSP         1002500\n    UpVsp1MSP        0\n');
      expect(text.endsWith('v1 9.2 s, v2 12.4 s\n  agreed → a heartbeat of each workload the version built recorded on the ledger: v1 18.7 s, v2 11.3 s\n')).toBe(true);
      expect(describeLifecycle({ ...lifecycle, abandoned: [] })).toContain('  abandoned: none\n');
    });
  });
});

describe('./dev scenario governance', () => {
  const proposal = (proposalId: string, kind: string, status: string) => ({ proposalId, kind, status, yesPpm: 1_000_000, noPpm: 0 });
  const digest = 'ab'.repeat(32);
  const job = (id: string, mean: number) => ({ id, status: 'completed', resultDigest: digest, atRecipients: { GvVsp1MSP: { result: { n: 65, mean }, resultDigest: digest, txId: `cc-${id}` } } });
  const meteredEvent = (jobId: string) => ({
    revenueId: `job:${jobId}`,
    jobId,
    kind: 'use',
    amount: '2500',
    txId: `tx-meter-${jobId}`,
    recordedBy: 'GvVsp1MSP',
    atMs: 1,
    betaPpm: 800_000,
    payouts: { GvDspMSP: '2000', GvVsp1MSP: '167', GvVsp2MSP: '167', GvVsp3MSP: '166' },
    expected: { GvDspMSP: '2000', GvVsp1MSP: '167', GvVsp2MSP: '167', GvVsp3MSP: '166' },
  });
  const final = { GvDspMSP: '800000', GvVsp1MSP: '100000', GvNewMSP: '100000' };
  const totals = { GvDspMSP: '804000', GvVsp1MSP: '100334', GvVsp2MSP: '334', GvVsp3MSP: '332', GvNewMSP: '100000' };
  const run = {
    daoId: 'gv1',
    versions: [{ version: 1, channel: 'dao-gv1-v1', members: ['GvDspMSP', 'GvVsp1MSP', 'GvVsp2MSP', 'GvVsp3MSP'] }],
    changeInfrastructure: { proposal: proposal('infra-gv1', 'change-infrastructure', 'accepted'), applied: [] },
    selfHosted: { mspId: 'GvVsp2MSP', workloadId: 'gvvsp2msp-agent', txId: 'tx-reg', sent: 3, lastHeartbeatMs: 0 },
    computations: { mesh: ['GvDspMSP', 'GvVsp1MSP'], dataset: 'readings', published: 65, requester: 'GvVsp1MSP', recipients: ['GvVsp1MSP'], jobs: [job('j1', 47.5), job('j2', 47.5)], usage: [] },
    governance: {
      changeTerms: { proposal: proposal('terms-gv1', 'change-terms', 'accepted'), voters: [], termsReadBy: {} },
      voteAfterDecision: { status: 409, code: 'PROPOSAL_DECIDED' },
      late: { proposal: proposal('late-gv1', 'dissolve', 'open'), lateVote: { status: 409, code: 'VOTING_CLOSED' }, closed: proposal('late-gv1', 'dissolve', 'expired'), closeAfterSweep: { status: 409, code: 'PROPOSAL_DECIDED' } },
      exit: { mspId: 'GvVsp3MSP', requested: {}, again: { status: 409, code: 'EXIT_ALREADY_REQUESTED' }, completed: {}, proposeAfterExit: { status: 403, code: 'NOT_A_MEMBER' } },
      metered: [meteredEvent('j1'), meteredEvent('j2')],
      revenue: { revenueId: 'gov-rev-gv1', amount: '1000000', txId: 'tx-final', recordedBy: 'GvDspMSP', betaPpm: 800_000, payouts: final, expected: final, ownReads: {}, totals: { payouts: totals, expected: totals, ownReads: {} } },
    },
  } as unknown as GovernanceOnStackResult;

  it('lists every revenue event, the metered computations first, and the payouts over all of them', () => {
    const summary = governanceSummary(run);
    expect(summary.revenue.map((r) => [r.revenueId, r.amount, r.txId, r.recordedBy, r.metered])).toEqual([
      ['job:j1', '2500', 'tx-meter-j1', 'GvVsp1MSP', true],
      ['job:j2', '2500', 'tx-meter-j2', 'GvVsp1MSP', true],
      ['gov-rev-gv1', '1000000', 'tx-final', 'GvDspMSP', false],
    ]);
    expect(summary.revenue[2]).toMatchObject({ payouts: final, expected: final });
    expect(summary.payouts).toEqual(totals);
    expect(summary.expectedPayouts).toEqual(totals);
    expect(summary.computations).toEqual([
      { jobId: 'j1', status: 'completed', requester: 'GvVsp1MSP', recipients: { GvVsp1MSP: { mean: 47.5, txId: 'cc-j1' } } },
      { jobId: 'j2', status: 'completed', requester: 'GvVsp1MSP', recipients: { GvVsp1MSP: { mean: 47.5, txId: 'cc-j2' } } },
    ]);
    expect(summary.proposals.map((p) => p.kind)).toEqual(['change-infrastructure', 'change-terms', 'dissolve']);
  });

  it('tells each computation, each revenue event with its split beside the economics split, then the payouts', () => {
    const text = describeGovernance(governanceSummary(run));
    expect(text).toContain('  computation j1 (GvVsp1MSP, the mean of the DSP\'s readings): completed; GvVsp1MSP received 47.5 (ComputationCompleted tx cc-j1)\n');
    expect(text).toContain("  revenue job:j2 2500, metered at the terms' price, recorded by GvVsp1MSP (tx tx-meter-j2), β 800000 ppm: GvDspMSP 2000, GvVsp1MSP 167, GvVsp2MSP 167, GvVsp3MSP 166 (economics split: GvDspMSP 2000,");
    expect(text).toContain('  revenue gov-rev-gv1 1000000, recorded by GvDspMSP (tx tx-final), β 800000 ppm: GvDspMSP 800000, GvVsp1MSP 100000, GvNewMSP 100000');
    expect(text.endsWith('    GvNewMSP         100000 (100000)\n')).toBe(true);
    expect(text).toContain('    GvVsp3MSP        332 (332)\n');
  });
});
