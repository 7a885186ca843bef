import { split } from '@datawell/domain';
import { channelAdmin, channelOrganisations } from '@datawell/stack';
import { DOMAIN_COMPUTATION_PRICE, errorLines, runDev, runDevJson } from '@datawell/testing';
import { governanceSummary, runGovernanceOnStack } from '../../src/commands/scenario';
import { stackContext } from '../../src/context';
import { stopMemberServices } from '../../src/services/domain-runner';
import { stopOperatorServicesAfterFile } from './operator-services';

/** `./dev dao …` as a user runs it, against this stack: one JSON object on stdout. */
function dev(...args: string[]): Promise<Record<string, unknown>> {
  return runDevJson(['dao', ...args, '--json']);
}

/**
 * Governance and voluntary exit of a DAO whose members are in their own trust domains, on the real
 * network through the running services: every proposal, vote, close and exit is submitted by the
 * member's own member-mode bridge with the member's own identity on its own peer (the operator is not
 * on the channel). The exit goes through the CLI, `./dev dao exit`. Before the governance, VSP_1 asks
 * for pay-per-use computations on the managed members' own MPC nodes (the DSP's and its own); its own
 * bridge meters each into revenue at the terms' price, split among the four members of that time.
 */
describe("a DAO governed through its members' own bridges", () => {
  const ctx = stackContext();
  const mspIds = ['GvDspMSP', 'GvVsp1MSP', 'GvVsp2MSP', 'GvVsp3MSP'];
  const candidate = 'GvVsp4MSP';

  afterAll(async () => {
    await stopMemberServices(ctx, [...mspIds, candidate, 'GvNewMSP']).catch(() => undefined);
    await stopOperatorServicesAfterFile(ctx);
  });

  it('changes infrastructure by vote, meters pay-per-use computations on the members\' own nodes into revenue, heartbeats a self-hosted workload, admits a VSP (the bridges open the join negotiation), changes terms by an ownership-weighted vote, refuses a late vote, closes a proposal past its deadline on its own (expired without quorum), rates co-members, lets a VSP leave with notice and splits revenue as the economics library does', async () => {
    const target = (at: { daoId: string; version: number }) => ['--dao', at.daoId, '--version', String(at.version)];
    const startedAt = Date.now();
    const run = await runGovernanceOnStack({
      orgPrefix: 'Gv',
      requestExit: async (leaver, at) => dev('exit', leaver.mspId, ...target(at)),
      completeExit: async (by, leaver, at) => dev('exit', by.mspId, ...target(at), '--complete', leaver.mspId),
      openJoin: async (by, at, proposalId) => (await dev('join', by.mspId, ...target(at), '--proposal', proposalId)) as { session: { id: string } },
    });
    const { daoId, versions, governance: result } = run;
    expect(versions).toEqual([{ version: 1, channel: `dao-${daoId}-v1`, members: mspIds }]);

    // The first VSP's change of infrastructure, decided by the DSP's vote, applied by the managed members' own provisioners at revision 2.
    expect(run.changeInfrastructure.proposal).toMatchObject({ kind: 'change-infrastructure', status: 'accepted' });
    const [applied] = run.changeInfrastructure.applied;
    expect(applied).toMatchObject({ version: 1, revision: 2, status: 'provisioned' });
    expect(applied!.builtBy['GvVsp1MSP']!.map((w) => w.workloadId).some((id) => id.includes('gvvsp1msp-node2'))).toBe(true);
    expect(applied!.builtBy['GvVsp1MSP']!.every((w) => !/gvvsp1msp-node(?!2)/.test(w.workloadId))).toBe(true);
    expect(Object.keys(applied!.builtBy).sort()).toEqual(['GvDspMSP', 'GvVsp1MSP']);

    // Pay-per-use computations on version 1, before the governance: the mesh is the managed members' own
    // nodes (the DSP's and VSP_1's new one); VSP_1 asked twice for the mean of the DSP's readings, to itself
    // (the terms' only recipient with a node); its own bridge recorded each ComputationCompleted as it.
    const hex64 = expect.stringMatching(/^[0-9a-f]{64}$/);
    const { computations } = run;
    expect(computations).toMatchObject({ mesh: ['GvDspMSP', 'GvVsp1MSP'], requester: 'GvVsp1MSP', recipients: ['GvVsp1MSP'], published: 65 });
    expect(computations.jobs).toHaveLength(2);
    expect(new Set(computations.jobs.map((j) => j.id)).size).toBe(2);
    for (const j of computations.jobs) {
      expect(j).toMatchObject({ status: 'completed', resultDigest: hex64 });
      expect(Object.keys(j.atRecipients)).toEqual(['GvVsp1MSP']);
      expect(j.atRecipients['GvVsp1MSP']).toMatchObject({ resultDigest: j.resultDigest, txId: hex64, result: { mean: expect.any(Number) } });
    }
    // The DSP's usage trail: both granted, then the request to the DSP the terms refuse.
    expect(computations.usage.map((u) => [u.usageId, u.outcome])).toEqual([...computations.jobs.map((j) => [j.id, 'granted']), [expect.any(String), 'refused']]);

    // Each metered into revenue job:<id> at the terms' price by VSP_1's own bridge (MeterComputation, its own transaction
    // on the channel), split at β among the four members active then: the DSP, VSP_1, VSP_2 and VSP_3.
    const metered = result.metered!;
    expect(metered.map((e) => [e.revenueId, e.jobId])).toEqual(computations.jobs.map((j) => [`job:${j.id}`, j.id]));
    const price = DOMAIN_COMPUTATION_PRICE.perComputation;
    const atMetering = split(BigInt(price), { levels: [{ betaPpm: metered[0]!.betaPpm, weights: [1, 1, 1] }] });
    for (const [k, e] of metered.entries()) {
      expect(e).toMatchObject({ kind: 'use', amount: price, recordedBy: 'GvVsp1MSP', txId: hex64 });
      expect(e.txId).not.toBe(computations.jobs[k]!.atRecipients['GvVsp1MSP']!.txId);
      expect(e.payouts).toEqual(e.expected);
      expect(Object.keys(e.payouts).sort()).toEqual(mspIds);
      expect(e.payouts['GvDspMSP']).toBe(String(atMetering.dspMembers[0]));
      expect(['GvVsp1MSP', 'GvVsp2MSP', 'GvVsp3MSP'].map((m) => BigInt(e.payouts[m]!)).reduce((a, b) => a + b)).toBe(atMetering.vspMembers[0]!.reduce((a, b) => a + b));
    }
    expect(new Set(metered.map((e) => e.txId)).size).toBe(2);
    // As a person reads the channel's revenue with the CLI (./dev dao revenue, through the DSP's own bridge): the same events, transactions and splits.
    const listed = (await dev('revenue', 'GvDspMSP', ...target({ daoId, version: 1 }))) as { events: Array<{ source: string; kind?: string; recordedBy?: string; lump: string; txId: string; payouts: Array<{ mspId: string; amount: string }> }> };
    for (const e of metered) {
      const seen = listed.events.find((x) => x.source === e.revenueId);
      expect(seen).toMatchObject({ kind: 'use', recordedBy: 'GvVsp1MSP', lump: price, txId: e.txId });
      expect(Object.fromEntries(seen!.payouts.filter((p) => p.amount !== '0').map((p) => [p.mspId, p.amount]))).toEqual(e.payouts);
    }

    // The second VSP's self-hosted workload: its heartbeat reached the channel through its own telemetry and bridge.
    expect(run.selfHosted).toMatchObject({ mspId: 'GvVsp2MSP', workloadId: 'gvvsp2msp-agent', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(run.selfHosted.sent).toBeGreaterThan(0);
    expect(run.selfHosted.lastHeartbeatMs).toBeGreaterThan(startedAt);

    // The admission: accepted by the members' votes; a member's bridge opened the join negotiation with
    // the candidate by itself (nobody asked), which the candidate and the members find in their lists.
    const admission = result.admission!;
    expect(admission.proposal).toMatchObject({ kind: 'admit-member', proposer: 'GvVsp1MSP', status: 'accepted', payload: { mspId: candidate, role: 'VSP' } });
    const seen = admission.sessionSeenBy[candidate]!;
    expect(seen).toMatchObject({ kind: 'join', daoId, version: 2, state: 'requested', admission: { proposalId: admission.proposal.proposalId } });
    expect(mspIds).toContain(seen.admission!.openedBy);
    expect([...seen.parties].sort()).toEqual([...mspIds, candidate].sort());
    expect(admission.sessionSeenBy['GvVsp1MSP']!.id).toBe(seen.id);
    // Asked through the CLI (./dev dao join) and the DSP's bridge: the same session, opened once.
    expect(admission.asked.session.id).toBe(seen.id);
    expect(admission.notAnAdmission).toEqual({ status: 409, code: 'NOT_AN_ADMISSION' });

    // The change of terms: proposed by a VSP, accepted on chain by the votes of members through their own bridges.
    const { proposal, voters, termsReadBy } = result.changeTerms;
    expect(proposal).toMatchObject({ kind: 'change-terms', proposer: 'GvVsp1MSP', status: 'accepted' });
    expect(voters.length).toBeGreaterThanOrEqual(2);
    expect(proposal.votes.map((v) => v.mspId).sort()).toEqual([...voters].sort());
    expect(2 * proposal.yesPpm).toBeGreaterThan(1_000_000);
    expect(proposal.votes.every((v) => v.choice === 'yes' && v.weightPpm > 0)).toBe(true);
    // Proposed under the default terms (the agreement has none): a week to vote.
    expect(proposal.quorumPpm).toBe(500_000);
    expect(proposal.votingEndsAtMs - (proposal as unknown as { createdAtMs: number }).createdAtMs).toBe(7 * 86_400_000);
    for (const mspId of mspIds) expect(termsReadBy[mspId]).toMatchObject({ votingPeriodSeconds: 3, quorumPpm: 500_000 });
    expect(result.voteAfterDecision).toEqual({ status: 409, code: 'PROPOSAL_DECIDED' });

    // Under the new terms: a three-second voting period; a vote after the deadline is refused, and with nobody voting there is no quorum.
    expect(result.late.proposal.votingEndsAtMs - (result.late.proposal as unknown as { createdAtMs: number }).createdAtMs).toBe(3000);
    expect(result.late.lateVote).toEqual({ status: 409, code: 'VOTING_CLOSED' });
    // Nobody asked to close it: the members' bridges closed it once its deadline had passed (their sweep); a close asked after finds it decided.
    expect(result.late.closed).toMatchObject({ status: 'expired', yesPpm: 0, noPpm: 0, votes: [] });
    expect(result.late.closeAfterSweep).toEqual({ status: 409, code: 'PROPOSAL_DECIDED' });

    // The last VSP gave notice through the CLI and its own bridge; no notice period in these terms, so the DSP completed it at once.
    expect(result.exit.mspId).toBe('GvVsp3MSP');
    expect(result.exit.requested).toMatchObject({ mspId: 'GvVsp3MSP', status: 'active' });
    expect(result.exit.requested['exitEffectiveAtMs']).toBe(result.exit.requested['exitRequestedAtMs']);
    expect(result.exit.again).toEqual({ status: 409, code: 'EXIT_ALREADY_REQUESTED' });
    expect(result.exit.completed).toMatchObject({ mspId: 'GvVsp3MSP', status: 'exited', endReason: 'exit' });
    expect(result.exit.proposeAfterExit).toEqual({ status: 403, code: 'NOT_A_MEMBER' });

    // Feedback between co-members, each signed in the rater's own domain; the same pair again is refused; the directory counts each rating.
    const feedback = result.feedback!;
    expect(feedback.ratings.map((r) => [r.from, r.target, r.score])).toEqual([
      ['GvDspMSP', 'GvVsp1MSP', 5],
      ['GvVsp1MSP', 'GvDspMSP', 4],
    ]);
    for (const r of feedback.ratings) expect(r.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(feedback.again).toEqual({ status: 409, code: 'FEEDBACK_EXISTS' });
    expect(feedback.reputation['GvVsp1MSP']).toBeGreaterThan(feedback.reputation['GvDspMSP']!);

    // VSP_2 handed its whole position to a newcomer in its own domain: offered, consented and accepted through the parties' own bridges, the newcomer seated on the DAO's channel and VSP_2 removed (Fabric's own config).
    expect(result.transfer).toMatchObject({ from: 'GvVsp2MSP', to: 'GvNewMSP', channels: [`dao-${daoId}-v1`] });
    expect(await channelOrganisations(channelAdmin(ctx, 'GvDspMSP'), `dao-${daoId}-v1`)).toEqual(['GvDspMSP', 'GvNewMSP', 'GvVsp1MSP', 'GvVsp3MSP'].sort());

    // Revenue after the exit and the transfer: every payout on the ledger equals the economics split of β and the remaining members' weights (the leavers get nothing, the newcomer VSP_2's part).
    const revenue = result.revenue!;
    expect(revenue.amount).toBe('1000000');
    expect(revenue.payouts).toEqual(revenue.expected);
    expect(Object.keys(revenue.payouts).sort()).toEqual(['GvDspMSP', 'GvNewMSP', 'GvVsp1MSP']);
    expect(revenue.payouts['GvVsp3MSP']).toBeUndefined();
    expect(revenue.payouts['GvVsp2MSP']).toBeUndefined();
    const { vspMembers, dspMembers } = split(1_000_000n, { levels: [{ betaPpm: revenue.betaPpm, weights: [1, 1] }] });
    expect(revenue.payouts['GvDspMSP']).toBe(String(dspMembers[0]));
    expect([revenue.payouts['GvVsp1MSP'], revenue.payouts['GvNewMSP']].map(BigInt).reduce((a, b) => a + b)).toBe(vspMembers[0]!.reduce((a, b) => a + b));
    for (const [mspId, own] of Object.entries(revenue.ownReads)) expect(own).toBe(revenue.payouts[mspId] ?? '0');
    // The channel has no other revenue: the CLI lists the metered computations, then the DSP's revenue.
    expect(listed.events.map((x) => x.source)).toEqual([...metered.map((e) => e.revenueId), `gov-rev-${daoId}`]);
    expect(listed.events.at(-1)).toMatchObject({ kind: 'use', recordedBy: 'GvDspMSP', lump: '1000000', txId: revenue.txId });

    // Every member's entitlement over every revenue event of the version equals the economics split of each
    // event summed: the metered computations at their time (all four members), the final revenue now
    // (the leavers keep what they earned before; the newcomer has only its part of the final revenue).
    const totals = revenue.totals;
    expect(totals.payouts).toEqual(totals.expected);
    const summed = (m: string) => [...metered.map((e) => e.expected), revenue.expected].reduce((a, e) => a + BigInt(e[m] ?? '0'), 0n).toString();
    expect(totals.payouts).toEqual(Object.fromEntries([...mspIds, 'GvNewMSP'].sort().map((m) => [m, summed(m)])));
    expect(Object.values(totals.payouts).reduce((a, v) => a + BigInt(v), 0n)).toBe(1_000_000n + 2n * BigInt(price));
    for (const [mspId, own] of Object.entries(totals.ownReads)) expect(own).toBe(totals.payouts[mspId]);
    expect(Object.keys(totals.ownReads).sort()).toEqual(['GvDspMSP', 'GvVsp1MSP']);

    // What `./dev scenario governance --json` prints: every revenue event (the metered computations, then the DSP's), and the payouts over all of them.
    const summary = governanceSummary(run);
    expect(summary).toMatchObject({ daoId, exited: ['GvVsp3MSP'], payouts: totals.payouts, expectedPayouts: totals.expected, reputation: feedback.reputation });
    expect(summary.revenue).toEqual([
      ...metered.map((e) => ({ revenueId: e.revenueId, jobId: e.jobId, kind: 'use', amount: price, txId: e.txId, recordedBy: 'GvVsp1MSP', metered: true, betaPpm: e.betaPpm, payouts: e.payouts, expected: e.expected })),
      { revenueId: `gov-rev-${daoId}`, kind: 'use', amount: '1000000', txId: revenue.txId, recordedBy: 'GvDspMSP', metered: false, betaPpm: revenue.betaPpm, payouts: revenue.payouts, expected: revenue.expected },
    ]);
    expect(summary.computations.map((c) => [c.jobId, c.status])).toEqual(computations.jobs.map((j) => [j.id, 'completed']));

    // The CLI reads the decided proposal through the member's own bridge, and refuses bad input with exit 2.
    expect(await dev('proposal', 'GvVsp1MSP', ...target({ daoId, version: 1 }), '--proposal', proposal.proposalId)).toMatchObject({ proposalId: proposal.proposalId, status: 'accepted' });
    const bad = await runDev(['dao', 'vote', 'GvVsp1MSP', ...target({ daoId, version: 1 }), '--proposal', proposal.proposalId, '--choice', 'perhaps']);
    expect([bad.status, errorLines(bad.stderr).length]).toEqual([2, 1]);
  }, 30 * 60_000);
});
