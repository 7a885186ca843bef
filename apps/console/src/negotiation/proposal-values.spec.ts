import type { SessionView } from '../api/negotiation';
import { betaPpmOf, initialValues, newMembers, proposalOf } from './proposal-values';

const formation = {
  kind: 'formation' as const,
  version: 1,
  parties: [
    { mspId: 'DspMSP', role: 'DSP' as const, group: 'D', required: true },
    { mspId: 'VspMSP', role: 'VSP' as const, group: 'J1', required: true },
  ],
  proposal: null,
};

describe('the room’s proposal form', () => {
  it('starts a formation from defaults: one managed MPC node per party, every party a recipient', () => {
    const v = initialValues(formation);
    expect(v.workloads).toEqual([
      { name: 'mpc-dspmsp', owner: 'DspMSP', placement: 'managed', kind: 'mpc-node' },
      { name: 'mpc-vspmsp', owner: 'VspMSP', placement: 'managed', kind: 'mpc-node' },
    ]);
    expect(proposalOf(formation, { ...v, betaPercent: 72.5 })).toEqual({
      betaPpm: 725_000,
      members: [
        { mspId: 'DspMSP', weight: 1 },
        { mspId: 'VspMSP', weight: 1 },
      ],
      terms: { durationDays: 365, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 10, abandonAfterSeconds: 60, exitNoticeSeconds: 0, computations: [{ name: 'mean', resultRecipients: ['DspMSP', 'VspMSP'] }] },
      infrastructure: { workloads: v.workloads },
    });
  });

  it('counter-proposes from the current agreement (placement as the ledger names it, parameters kept)', () => {
    const agreement = {
      agreementId: 'a',
      daoId: 'd',
      version: 1,
      betaPpm: 700_000,
      members: [
        { mspId: 'DspMSP', group: 'D', role: 'DSP' as const, weight: 3, ownershipPpm: 700_000 },
        { mspId: 'VspMSP', group: 'J1', role: 'VSP' as const, weight: 1, ownershipPpm: 300_000 },
      ],
      terms: { durationDays: 30, businessModel: 'subscription' as const, heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30, exitNoticeSeconds: 60, votingPeriodSeconds: 600, quorumPpm: 400_000, computations: [{ name: 'sum', resultRecipients: ['VspMSP'] }] },
      infrastructure: { workloads: [{ name: 'n1', owner: 'VspMSP', placement: 'self-hosted' as const, kind: 'mpc-node', parameters: { memoryMb: 256 } }] },
      documentDigest: 'x',
    };
    const session = { ...formation, proposal: { revision: 1, proposedBy: 'VspMSP', enrollmentId: 'u', proposedAt: '', agreement, signed: null } } as Pick<SessionView, 'kind' | 'version' | 'parties' | 'proposal'>;
    const v = initialValues(session);
    expect(v).toMatchObject({ betaPercent: 70, weights: { DspMSP: 3, VspMSP: 1 }, businessModel: 'subscription', exitNoticeSeconds: 60 });
    const body = proposalOf(session, { ...v, betaPercent: 80 });
    expect(body.infrastructure.workloads).toEqual([{ name: 'n1', owner: 'VspMSP', placement: 'self-hosted', kind: 'mpc-node', parameters: { memoryMb: 256 } }]);
    // The governance terms the form does not edit pass through unchanged.
    expect(body.terms).toMatchObject({ votingPeriodSeconds: 600, quorumPpm: 400_000 });
    expect(body.members).toEqual([
      { mspId: 'DspMSP', weight: 3 },
      { mspId: 'VspMSP', weight: 1 },
    ]);
  });

  it('sets weights only for a join’s joiners (earlier members keep theirs)', () => {
    const join = {
      kind: 'join' as const,
      version: 2,
      parties: [
        { mspId: 'DspMSP', role: 'DSP' as const, group: 'D', required: true },
        { mspId: 'Vsp1MSP', role: 'VSP' as const, group: 'J1', required: false },
        { mspId: 'Vsp2MSP', role: 'VSP' as const, group: 'J2', required: true },
      ],
      proposal: null,
    };
    expect(newMembers(join).map((p) => p.mspId)).toEqual(['Vsp2MSP']);
    const v = initialValues(join);
    expect(v.workloads.map((w) => w.owner)).toEqual(['Vsp2MSP']);
    expect(proposalOf(join, v).members).toEqual([{ mspId: 'DspMSP' }, { mspId: 'Vsp1MSP' }, { mspId: 'Vsp2MSP', weight: 1 }]);
  });

  it('turns β percent into whole ppm', () => {
    expect([betaPpmOf(70), betaPpmOf(72.5), betaPpmOf(0.0001), betaPpmOf(33.3333)]).toEqual([700_000, 725_000, 1, 333_333]);
  });
});
