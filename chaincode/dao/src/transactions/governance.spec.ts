import { DSP, OUTSIDER, START_MS, TERMS, VSP1, VSP2A, VSP2B, initialised, json } from '../fixtures.spec-helper';

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
    await expect(ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'p1', 'yes'))).rejects.toThrow(/^CONFLICT: DspMSP has already voted on proposal p1/);
    expect(json(await ledger.submit(VSP2B, (ctx) => dao.CastVote(ctx, 'p1', 'yes')))).toMatchObject({ status: 'accepted', yesPpm: 600_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ProposalDecided', payload: { outcome: 'accepted', effect: { terms: newTerms } } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['terms']['abandonAfterSeconds']).toBe(1200);
    await expect(ledger.submit(VSP1, (ctx) => dao.CastVote(ctx, 'p1', 'no'))).rejects.toThrow(/^CONFLICT: proposal p1 is already accepted/);
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
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'admit-member', payload: { mspId: VSP1, role: 'VSP', name: 'again' } })))).rejects.toThrow(/^CONFLICT: VspOneMSP is already a member/);
    await ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'dissolve' })));
    await expect(ledger.submit(DSP, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'x', kind: 'dissolve' })))).rejects.toThrow(/^CONFLICT: proposal x exists/);
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
