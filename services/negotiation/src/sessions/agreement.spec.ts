import { canonicalJson } from '@datawell/domain';
import { createHash } from 'node:crypto';
import { acceptanceState } from './acceptance-rules';
import { buildAgreement, ownershipFor, type AgreementMember, type SessionPlan } from './agreement';
import { NegotiationError } from './negotiation.errors';
import { parseInput, proposalSchema, type ProposalInput } from './proposal.schema';

const terms = {
  durationDays: 365,
  businessModel: 'pay-per-use',
  heartbeatIntervalSeconds: 5,
  abandonAfterSeconds: 30,
  exitNoticeSeconds: 0,
  computations: [{ name: 'mean', resultRecipients: ['Vsp1MSP'] }],
};
const formation: SessionPlan = {
  kind: 'formation',
  daoId: 'd1',
  version: 1,
  parties: [
    { mspId: 'DspMSP', role: 'DSP' },
    { mspId: 'Vsp1MSP', role: 'VSP' },
    { mspId: 'Vsp2MSP', role: 'VSP' },
  ],
};
const proposal = (over: Record<string, unknown> = {}): ProposalInput =>
  parseInput(proposalSchema, {
    betaPpm: 800_000,
    members: [{ mspId: 'DspMSP' }, { mspId: 'Vsp1MSP', weight: 2 }, { mspId: 'Vsp2MSP', weight: 1 }],
    terms,
    infrastructure: { workloads: [{ name: 'vsp1-mpc', owner: 'Vsp1MSP', placement: 'cloud', kind: 'mpc-node', parameters: { memoryMb: 256 } }] },
    ...over,
  }, 'proposal');

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof NegotiationError ? e.code : `not a NegotiationError: ${String(e)}`;
  }
  return 'no error';
};

describe('proposal validation (the chaincode agreement rules)', () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['β of 0', { betaPpm: 0 }],
    ['β of 10^6', { betaPpm: 1_000_000 }],
    ['fractional β', { betaPpm: 0.5 }],
    ['β as a string', { betaPpm: '800000' }],
    ['one member', { members: [{ mspId: 'DspMSP' }] }],
    ['a malformed MSP id', { members: [{ mspId: 'dsp' }, { mspId: 'Vsp1MSP' }] }],
    ['a zero weight', { members: [{ mspId: 'DspMSP', weight: 0 }, { mspId: 'Vsp1MSP' }] }],
    ['abandon-after below the heartbeat interval', { terms: { ...terms, abandonAfterSeconds: 4 } }],
    ['an unknown business model', { terms: { ...terms, businessModel: 'free' } }],
    ['a computation twice', { terms: { ...terms, computations: [terms.computations[0], terms.computations[0]] } }],
    ['an extra terms field', { terms: { ...terms, extra: 1 } }],
    ['missing terms', { terms: undefined }],
    ['no workloads', { infrastructure: { workloads: [] } }],
    ['an unknown placement', { infrastructure: { workloads: [{ name: 'w', owner: 'Vsp1MSP', placement: 'moon', kind: 'k' }] } }],
    ['a float parameter', { infrastructure: { workloads: [{ name: 'w', owner: 'Vsp1MSP', placement: 'managed', kind: 'k', parameters: { cpu: 0.5 } }] } }],
    ['a workload twice', { infrastructure: { workloads: [{ name: 'w', owner: 'Vsp1MSP', placement: 'managed', kind: 'k' }, { name: 'w', owner: 'DspMSP', placement: 'managed', kind: 'k' }] } }],
  ];
  it.each(bad)('refuses %s with INVALID_PROPOSAL', (_name, over) => {
    expect(codeOf(() => parseInput(proposalSchema, { ...proposal(), ...over }, 'proposal', 'INVALID_PROPOSAL'))).toBe('INVALID_PROPOSAL');
  });

  it('maps the API placement "cloud" to the chaincode\'s "managed"', () => {
    expect(proposal().infrastructure.workloads[0]?.placement).toBe('managed');
  });

  it('refuses members that are not exactly the parties, recipients and owners that are not members', () => {
    expect(codeOf(() => buildAgreement(formation, proposal({ members: [{ mspId: 'DspMSP' }, { mspId: 'Vsp1MSP' }] }), 'a'))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => buildAgreement(formation, proposal({ members: [{ mspId: 'DspMSP' }, { mspId: 'Vsp1MSP' }, { mspId: 'Vsp2MSP' }, { mspId: 'XMSP' }] }), 'a'))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => buildAgreement(formation, proposal({ members: [{ mspId: 'DspMSP' }, { mspId: 'Vsp1MSP' }, { mspId: 'Vsp1MSP' }] }), 'a'))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => buildAgreement(formation, proposal({ terms: { ...terms, computations: [{ name: 'mean', resultRecipients: ['XMSP'] }] } }), 'a'))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => buildAgreement(formation, proposal({ infrastructure: { workloads: [{ name: 'w', owner: 'XMSP', placement: 'managed', kind: 'k' }] } }), 'a'))).toBe('INVALID_PROPOSAL');
  });
});

describe('ownership from β', () => {
  it('formation: D holds β_1, J1 holds 1 − β_1 split by weights, remainder to the first member', () => {
    const agreement = buildAgreement(formation, proposal(), 'agr-1');
    expect(agreement.members).toEqual([
      { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800_000 },
      { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 2, ownershipPpm: 133_334 },
      { mspId: 'Vsp2MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 66_666 },
    ]);
    expect(agreement.members.reduce((s, m) => s + m.ownershipPpm, 0)).toBe(1_000_000);
  });

  it('refuses a stated ownership that does not follow from β, accepts the right one', () => {
    expect(codeOf(() => buildAgreement(formation, proposal({ members: [{ mspId: 'DspMSP', ownershipPpm: 700_000 }, { mspId: 'Vsp1MSP' }, { mspId: 'Vsp2MSP' }] }), 'a'))).toBe('OWNERSHIP_INCONSISTENT');
    expect(() => buildAgreement(formation, proposal({ members: [{ mspId: 'DspMSP', ownershipPpm: 800_000 }, { mspId: 'Vsp1MSP', weight: 2, ownershipPpm: 133_334 }, { mspId: 'Vsp2MSP' }] }), 'a')).not.toThrow();
  });

  const v1: AgreementMember[] = [
    { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800_000 },
    { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 },
  ];
  const join: SessionPlan = { kind: 'join', daoId: 'd1', version: 2, existing: v1, joiners: ['Vsp2MSP', 'Vsp3MSP'] };

  it('join: J_{n+1} holds 1 − β_{n+1}, earlier members scale by β_{n+1}, sums exact', () => {
    const members = ownershipFor(join, 750_000, new Map([['Vsp2MSP', 1], ['Vsp3MSP', 2]]));
    expect(members).toEqual([
      { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600_000 },
      { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 150_000 },
      { mspId: 'Vsp2MSP', group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 83_334 },
      { mspId: 'Vsp3MSP', group: 'J2', role: 'VSP', weight: 2, ownershipPpm: 166_666 },
    ]);
  });

  it('join: every β gives ownership summing to exactly 10^6 with the remainder to D', () => {
    const odd: AgreementMember[] = [
      { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 333_333 },
      { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 333_333 },
      { mspId: 'Vsp9MSP', group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 333_334 },
    ];
    for (const beta of [1, 7, 333_333, 499_999, 999_999]) {
      const members = ownershipFor({ kind: 'join', daoId: 'd', version: 3, existing: odd, joiners: ['Vsp2MSP'] }, beta, new Map());
      expect(members.reduce((s, m) => s + m.ownershipPpm, 0)).toBe(1_000_000);
      expect(members.find((m) => m.group === 'J3')?.ownershipPpm).toBe(1_000_000 - beta);
      expect(members[1]?.ownershipPpm).toBe(Math.floor((beta * 333_333) / 1_000_000));
    }
  });

  it('join: earlier weights are fixed; an earlier member adds no workload, a non-member owns none', () => {
    const p = proposal({
      betaPpm: 750_000,
      members: [{ mspId: 'DspMSP' }, { mspId: 'Vsp1MSP', weight: 1 }, { mspId: 'Vsp2MSP' }, { mspId: 'Vsp3MSP' }],
      infrastructure: { workloads: [{ name: 'w', owner: 'Vsp2MSP', placement: 'self-hosted', kind: 'mpc-node' }] },
    });
    const agreement = buildAgreement(join, p, 'agr-2');
    expect(agreement.version).toBe(2);
    expect(agreement.members.map((m) => m.group)).toEqual(['D', 'J1', 'J2', 'J2']);
    expect(codeOf(() => buildAgreement(join, { ...p, members: [{ mspId: 'DspMSP', weight: 3 }, ...p.members.slice(1)] }, 'a'))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => buildAgreement(join, { ...p, infrastructure: { workloads: [{ name: 'w', owner: 'Vsp1MSP', placement: 'managed', kind: 'k' }] } }, 'a', undefined, []))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => buildAgreement(join, { ...p, infrastructure: { workloads: [{ name: 'w', owner: 'OutsiderMSP', placement: 'managed', kind: 'k' }] } }, 'a'))).toBe('INVALID_PROPOSAL');
  });

  it("join: an earlier member's workload is carried over exactly as version n's agreement lists it, never added", () => {
    const v1Workloads = [
      { name: 'dsp-node', owner: 'DspMSP', placement: 'managed' as const, kind: 'mpc-node', parameters: { datasets: { readings: { topic: 't' } } } },
      { name: 'vsp1-node', owner: 'Vsp1MSP', placement: 'managed' as const, kind: 'mpc-node' },
    ];
    const joiner = { name: 'vsp2-node', owner: 'Vsp2MSP', placement: 'managed' as const, kind: 'mpc-node' };
    const p = (workloads: unknown[]) => proposal({ betaPpm: 750_000, members: [{ mspId: 'DspMSP' }, { mspId: 'Vsp1MSP' }, { mspId: 'Vsp2MSP' }, { mspId: 'Vsp3MSP' }], infrastructure: { workloads } });
    // Every earlier member's node with the joiner's: the agreement lists them as version 1 has them.
    const carried = buildAgreement(join, p([...v1Workloads, joiner]), 'agr-2', undefined, v1Workloads);
    expect(carried.infrastructure.workloads).toEqual([...v1Workloads, joiner]);
    // Some of them only ('cloud' is the API's name of managed), or none, as before.
    expect(buildAgreement(join, p([{ ...v1Workloads[1], placement: 'cloud' }, joiner]), 'agr-2', undefined, v1Workloads).infrastructure.workloads).toEqual([v1Workloads[1], joiner]);
    expect(buildAgreement(join, p([joiner]), 'agr-2', undefined, v1Workloads).infrastructure.workloads).toEqual([joiner]);
    const refusal = (workloads: unknown[]) => {
      try {
        buildAgreement(join, p(workloads), 'a', undefined, v1Workloads);
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
      return 'built';
    };
    // Changed on the way (another parameter, another placement), or new for an earlier member: refused.
    expect(refusal([{ ...v1Workloads[0], parameters: { datasets: { readings: { topic: 'other' } } } }, joiner])).toMatch(/^INVALID_PROPOSAL: infrastructure\.workloads\.0: dsp-node of DspMSP differs from version 1's/);
    expect(refusal([{ ...v1Workloads[1], placement: 'self-hosted' }, joiner])).toMatch(/^INVALID_PROPOSAL: infrastructure\.workloads\.0: vsp1-node of Vsp1MSP differs/);
    expect(refusal([joiner, { name: 'vsp1-extra', owner: 'Vsp1MSP', placement: 'managed', kind: 'mpc-node' }])).toMatch(/^INVALID_PROPOSAL: infrastructure\.workloads\.1: vsp1-extra of Vsp1MSP is not version 1's .*only joiners add workloads/);
    // Another member's workload of version 1 under an earlier member's name is not its own.
    expect(refusal([{ ...v1Workloads[0], owner: 'Vsp1MSP' }, joiner])).toMatch(/is not version 1's/);
    // Without version 1's agreement here (a DAO this service did not negotiate), the chaincode checks it against version 1's spec.
    expect(buildAgreement(join, p([...v1Workloads, joiner]), 'agr-2').infrastructure.workloads).toHaveLength(3);
  });

  it('the document digest is sha256 of the canonical agreement without it', () => {
    const { documentDigest, ...body } = buildAgreement(formation, proposal(), 'agr-1');
    expect(documentDigest).toBe(createHash('sha256').update(canonicalJson(body)).digest('hex'));
  });
});

describe('acceptance rules', () => {
  it('formation needs every party', () => {
    expect(acceptanceState(formation, new Set(['DspMSP', 'Vsp1MSP']))).toMatchObject({ complete: false, waitingFor: ['Vsp2MSP'] });
    expect(acceptanceState(formation, new Set(['DspMSP', 'Vsp1MSP', 'Vsp2MSP'])).complete).toBe(true);
  });

  const existing: AgreementMember[] = [
    { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 400_000 },
    { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 350_000 },
    { mspId: 'Vsp2MSP', group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
  ];
  const join: SessionPlan = { kind: 'join', daoId: 'd', version: 3, existing, joiners: ['NewMSP'] };

  it('join needs the joiners, D, and a majority of ownership; a dissenting minority does not block', () => {
    expect(acceptanceState(join, new Set(['NewMSP', 'DspMSP'])).complete).toBe(false); // 40%
    expect(acceptanceState(join, new Set(['NewMSP', 'DspMSP', 'Vsp2MSP'])).complete).toBe(true); // 65%, Vsp1 did not accept
    expect(acceptanceState(join, new Set(['DspMSP', 'Vsp1MSP', 'Vsp2MSP']))).toMatchObject({ complete: false, waitingFor: ['NewMSP'] });
    expect(acceptanceState(join, new Set(['NewMSP', 'Vsp1MSP', 'Vsp2MSP']))).toMatchObject({ complete: false, waitingFor: ['DspMSP'] });
  });

  it('exactly half is not a majority', () => {
    const halves: SessionPlan = { ...join, existing: [{ ...existing[0]!, ownershipPpm: 500_000 }, { ...existing[1]!, ownershipPpm: 500_000 }] };
    expect(acceptanceState(halves, new Set(['NewMSP', 'DspMSP'])).complete).toBe(false);
    expect(acceptanceState(halves, new Set(['NewMSP', 'DspMSP', 'Vsp1MSP'])).complete).toBe(true);
  });
});
