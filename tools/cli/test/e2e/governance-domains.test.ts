import { split } from '@datawell/domain';
import { channelAdmin, channelOrganisations } from '@datawell/stack';
import { runDev, runDevJson } from '@datawell/testing';
import { governanceSummary, runGovernanceOnStack } from '../../src/commands/scenario';
import { stackContext } from '../../src/context';
import { stopMemberServices } from '../../src/services/domain-runner';
import { stopServices } from '../../src/services/runner';

/** `./dev dao …` as a user runs it, against this stack: one JSON object on stdout. */
function dev(...args: string[]): Promise<Record<string, unknown>> {
  return runDevJson(['dao', ...args, '--json']);
}

/**
 * Governance and voluntary exit of a DAO whose members are in their own trust domains, on the real
 * network through the running services: every proposal, vote, close and exit is submitted by the
 * member's own member-mode bridge with the member's own identity on its own peer (the operator is not
 * on the channel). The exit goes through the CLI, `./dev dao exit`.
 */
describe("a DAO governed through its members' own bridges", () => {
  const ctx = stackContext();
  const mspIds = ['GvDspMSP', 'GvVsp1MSP', 'GvVsp2MSP', 'GvVsp3MSP'];
  const candidate = 'GvVsp4MSP';

  afterAll(async () => {
    await stopMemberServices(ctx, [...mspIds, candidate, 'GvNewMSP']).catch(() => undefined);
    await stopServices(ctx);
  });

  it('changes infrastructure by vote, heartbeats a self-hosted workload, admits a VSP (the bridges open the join negotiation), changes terms by an ownership-weighted vote, refuses a late vote, closes a proposal past its deadline on its own (expired without quorum), rates co-members, lets a VSP leave with notice and splits revenue as the economics library does', async () => {
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
    expect(governanceSummary(run)).toMatchObject({ daoId, exited: ['GvVsp3MSP'], payouts: revenue.payouts, reputation: feedback.reputation });

    // The CLI reads the decided proposal through the member's own bridge, and refuses bad input with exit 2.
    expect(await dev('proposal', 'GvVsp1MSP', ...target({ daoId, version: 1 }), '--proposal', proposal.proposalId)).toMatchObject({ proposalId: proposal.proposalId, status: 'accepted' });
    const bad = await runDev(['dao', 'vote', 'GvVsp1MSP', ...target({ daoId, version: 1 }), '--proposal', proposal.proposalId, '--choice', 'perhaps']);
    expect([bad.status, bad.stderr.trim().split('\n').length]).toEqual([2, 1]);
  }, 30 * 60_000);
});
