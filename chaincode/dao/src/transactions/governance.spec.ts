import { DaoContract } from '../dao.contract';
import { DSP, OUTSIDER, START_MS, TERMS, VSP1, VSP2A, VSP2B, acceptances, agreement, daoLedger, initialised, json } from '../fixtures.spec-helper';

const s = JSON.stringify;

describe('DaoContract proposals and ownership-weighted votes', () => {
  const newTerms = { ...TERMS, abandonAfterSeconds: 1200 };

  it('accepts when yes-weight passes half of the ownership, and applies the change', async () => {
    const { ledger, dao } = await initialised(2);
    await ledger.submit(VSP2B, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p1', kind: 'change-terms', payload: newTerms, description: 'longer abandon-after' })));
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalCreated', payload: { proposalId: 'p1', kind: 'change-terms', proposer: VSP2B } });
    // D holds exactly 50 %: not more than half, still open.
    expect(json(await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p1', 'yes')))).toMatchObject({ status: 'open', yesPpm: 500_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'VoteCast', payload: { vote: { mspId: DSP, choice: 'yes', weightPpm: 500_000 } } });
    await expect(ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p1', 'yes'))).rejects.toThrow(/^CONFLICT: ALREADY_VOTED: DspMSP has already voted on proposal p1/);
    expect(json(await ledger.submit(VSP2B, (ctx) => dao.CastVote(ctx, 'p1', 'yes')))).toMatchObject({ status: 'accepted', yesPpm: 600_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalDecided', payload: { outcome: 'accepted', effect: { terms: newTerms } } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['terms']['abandonAfterSeconds']).toBe(1200);
    await expect(ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'p1', 'no'))).rejects.toThrow(/^CONFLICT: PROPOSAL_DECIDED: proposal p1 is already accepted/);
    const read = json(await ledger.evaluate(VSP1, (ctx) => dao.GetProposal(ctx, 'p1')));
    expect(read['votes'].map((v: { mspId: string }) => v.mspId).sort()).toEqual([DSP, VSP2B].sort());
  });

  it('rejects when no-weight reaches half', async () => {
    const { ledger, dao } = await initialised(2);
    await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p2', kind: 'dissolve' })));
    expect(json(await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p2', 'no')))).toMatchObject({ status: 'rejected', noPpm: 500_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalDecided', payload: { outcome: 'rejected' } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['status']).toBe('active');
  });

  it('dissolves, requests new infrastructure and records admissions when accepted', async () => {
    const { ledger, dao } = await initialised(1);
    const infra = { workloads: [{ name: 'bigger', owner: DSP, placement: 'managed', kind: 'mpc-node' }] };
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'infra', kind: 'change-infrastructure', payload: infra })));
    await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'infra', 'yes'));
    expect(ledger.lastEvent()?.payload).toMatchObject({ outcome: 'accepted', effect: { infrastructureRequested: { revision: 2, spec: infra } } });
    await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'admit', kind: 'admit-member', payload: { mspId: 'NewVspMSP', role: 'VSP', name: 'New VSP' } })));
    await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'admit', 'yes'));
    expect(ledger.lastEvent()?.payload).toMatchObject({ effect: { admit: { mspId: 'NewVspMSP' }, nextChannel: 'dao-acme-v2' } });
    await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'end', kind: 'dissolve' })));
    await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'end', 'yes'));
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))).toMatchObject({ status: 'dissolved', infrastructureRevision: 2 });
  });

  it('validates proposals and votes and checks the caller', async () => {
    const { ledger, dao } = await initialised(2);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'dissolve' })))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'merge' })))).rejects.toThrow(/^INVALID_ARGUMENT: proposal/);
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'change-terms', payload: { ...TERMS, heartbeatIntervalSeconds: 0 } })))).rejects.toThrow(
      /^INVALID_ARGUMENT: proposal\.payload\.heartbeatIntervalSeconds/,
    );
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'admit-member', payload: { mspId: VSP1, role: 'VSP', name: 'again' } })))).rejects.toThrow(/^CONFLICT: ALREADY_A_MEMBER: VspOneMSP is already a member/);
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'dissolve' })));
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'dissolve' })))).rejects.toThrow(/^CONFLICT: PROPOSAL_EXISTS: proposal x exists/);
    await expect(ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'x', 'maybe'))).rejects.toThrow(/^INVALID_ARGUMENT: choice/);
    await expect(ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'nope', 'yes'))).rejects.toThrow(/^NOT_FOUND: no proposal nope/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.CastVote(ctx, 'x', 'yes'))).rejects.toThrow(/^FORBIDDEN/);
  });

  it('counts only active members: after an abandonment the majority is of the remaining ownership', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS + 700_000;
    await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A)); // 20 % leaves; 80 % remain
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'change-terms', payload: newTerms })));
    await expect(ledger.submit(VSP2A, (ctx) => dao.CastVote(ctx, 'p', 'no'))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP is abandoned/);
    // 50 % of 80 % active is more than half.
    expect(json(await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p', 'yes')))['status']).toBe('accepted');
  });
});

/** Version 2 of acme (D 50 %, J1 20 %, J2 20 % + 10 %) under terms with these governance fields. */
async function governed(governance: Record<string, number>) {
  const body = agreement(2, { terms: { ...TERMS, ...governance } });
  const ledger = daoLedger(2, await initialised(1));
  const dao = new DaoContract();
  await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(body), acceptances(body)));
  return { ledger, dao };
}

describe('DaoContract voting period and quorum, terms of the agreement', () => {
  it("fixes a proposal's deadline and quorum from the terms at its creation, in transaction time", async () => {
    const { ledger, dao } = await governed({ votingPeriodSeconds: 3600, quorumPpm: 600_000 });
    ledger.timeMs = START_MS + 10_000;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' }))))).toMatchObject({ createdAtMs: START_MS + 10_000, votingEndsAtMs: START_MS + 10_000 + 3_600_000, quorumPpm: 600_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalCreated', payload: { votingEndsAtMs: START_MS + 3_610_000, quorumPpm: 600_000 } });
  });

  it('takes a week and half of the ownership when the terms say nothing (agreements written before)', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS;
    expect(json(await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' }))))).toMatchObject({ votingEndsAtMs: START_MS + 7 * 86_400_000, quorumPpm: 500_000 });
  });

  it('refuses a vote whose transaction time is past the deadline (VOTING_CLOSED); one at the deadline counts', async () => {
    const { ledger, dao } = await governed({ votingPeriodSeconds: 60 });
    ledger.timeMs = START_MS;
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' })));
    ledger.timeMs = START_MS + 60_000;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'p', 'yes')))).toMatchObject({ status: 'open', yesPpm: 200_000 });
    ledger.timeMs = START_MS + 60_001;
    await expect(ledger.submit(VSP2A, (ctx) => dao.CastVote(ctx, 'p', 'yes'))).rejects.toThrow(/^CONFLICT: VOTING_CLOSED: voting on proposal p closed at /);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetProposal(ctx, 'p')))['votes'].map((v: { mspId: string }) => v.mspId)).toEqual([VSP1]);
  });

  it('decides at the deadline by the votes cast when the quorum voted, and closes it as expired when it did not', async () => {
    const { ledger, dao } = await governed({ votingPeriodSeconds: 60, quorumPpm: 400_000 });
    ledger.timeMs = START_MS;
    const newTerms = { ...TERMS, abandonAfterSeconds: 1200 };
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'carried', kind: 'change-terms', payload: newTerms })));
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'thin', kind: 'dissolve' })));
    // 30 % yes to 20 % no: no absolute majority, so open until the deadline.
    await ledger.submit(VSP2A, (ctx) => dao.CastVote(ctx, 'carried', 'no'));
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'carried', 'yes')))['status']).toBe('open');
    expect(json(await ledger.submit(VSP2B, (ctx) => dao.CastVote(ctx, 'carried', 'yes')))['status']).toBe('open');
    // 30 % voted on the other: below the 40 % quorum.
    await ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'thin', 'yes'));
    await ledger.submit(VSP2B, (ctx) => dao.CastVote(ctx, 'thin', 'yes'));
    await expect(ledger.submit(VSP1, (ctx) => dao.CloseProposal(ctx, 'carried'))).rejects.toThrow(/^CONFLICT: VOTING_OPEN: voting on proposal carried runs until /);
    ledger.timeMs = START_MS + 60_001;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CloseProposal(ctx, 'carried')))).toMatchObject({ status: 'accepted', yesPpm: 300_000, noPpm: 200_000, decidedAtMs: START_MS + 60_001 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalDecided', payload: { outcome: 'accepted', closedAtDeadline: true, quorumPpm: 400_000, effect: { terms: newTerms } } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['terms']['abandonAfterSeconds']).toBe(1200);
    expect(json(await ledger.submit(DSP, (ctx) => dao.CloseProposal(ctx, 'thin')))['status']).toBe('expired');
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalDecided', payload: { outcome: 'expired' } });
    // A late vote is VOTING_CLOSED whether or not a sweep closed the proposal before it.
    await expect(ledger.submit(VSP2A, (ctx) => dao.CastVote(ctx, 'thin', 'no'))).rejects.toThrow(/^CONFLICT: VOTING_CLOSED: voting on proposal thin closed at /);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['status']).toBe('active');
    await expect(ledger.submit(DSP, (ctx) => dao.CloseProposal(ctx, 'thin'))).rejects.toThrow(/^CONFLICT: PROPOSAL_DECIDED: proposal thin is already expired/);
    await expect(ledger.submit(DSP, (ctx) => dao.CloseProposal(ctx, 'nope'))).rejects.toThrow(/^NOT_FOUND: no proposal nope/);
  });

  it('a tie at the deadline is rejected', async () => {
    const { ledger, dao } = await governed({ votingPeriodSeconds: 60, quorumPpm: 0 });
    ledger.timeMs = START_MS;
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' })));
    await ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'p', 'yes'));
    await ledger.submit(VSP2A, (ctx) => dao.CastVote(ctx, 'p', 'no'));
    ledger.timeMs = START_MS + 61_000;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CloseProposal(ctx, 'p')))['status']).toBe('rejected');
  });

  it('does not accept early with a majority below the quorum: a 90 % quorum waits for more votes', async () => {
    const { ledger, dao } = await governed({ quorumPpm: 900_000 });
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' })));
    await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p', 'yes'));
    // 70 % yes is a majority, but only 70 % voted.
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'p', 'yes')))).toMatchObject({ status: 'open', yesPpm: 700_000 });
    expect(json(await ledger.submit(VSP2A, (ctx) => dao.CastVote(ctx, 'p', 'no')))).toMatchObject({ status: 'accepted', noPpm: 200_000 });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['status']).toBe('dissolved');
  });

  it('refuses governance terms out of range, in the agreement and in a change-terms proposal', async () => {
    await expect(governed({ quorumPpm: 1_000_001 })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.quorumPpm/);
    await expect(governed({ votingPeriodSeconds: 0 })).rejects.toThrow(/^INVALID_ARGUMENT: agreement\.terms\.votingPeriodSeconds/);
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'change-terms', payload: { ...TERMS, votingPeriodSeconds: 1.5 } })))).rejects.toThrow(/^INVALID_ARGUMENT: proposal\.payload\.votingPeriodSeconds/);
  });

  it('a change of terms sets the voting period of later proposals, not of those already open', async () => {
    const { ledger, dao } = await initialised(1);
    ledger.timeMs = START_MS;
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'before', kind: 'dissolve' })));
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'short', kind: 'change-terms', payload: { ...TERMS, votingPeriodSeconds: 5 } })));
    await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'short', 'yes'));
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['terms']['votingPeriodSeconds']).toBe(5);
    expect(json(await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'after', kind: 'dissolve' }))))['votingEndsAtMs']).toBe(START_MS + 5000);
    ledger.timeMs = START_MS + 6000;
    await expect(ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'after', 'no'))).rejects.toThrow(/VOTING_CLOSED/);
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'before', 'no')))['status']).toBe('open');
  });
});
