import { NODE_USAGE_CHECKS, USAGE_CHECKS } from '@datawell/contracts';
import { authorizeComputation, type ComputationAsk, type LedgerVersionView } from './authorization';

const version: LedgerVersionView = {
  daoId: 'd1',
  version: 2,
  members: [
    { mspId: 'DspMSP', role: 'DSP', group: 'D', status: 'active' },
    { mspId: 'Vsp1MSP', role: 'VSP', group: 'J1', status: 'active' },
    { mspId: 'Vsp2MSP', role: 'VSP', group: 'J2', status: 'abandoned' },
    { mspId: 'Vsp3MSP', role: 'VSP', group: 'J2', status: 'exited' },
  ],
  computations: [
    { name: 'mean', resultRecipients: ['Vsp1MSP', 'DspMSP'] },
    { name: 'variance', resultRecipients: ['Vsp2MSP'] },
    { name: 'raw-dump', resultRecipients: ['Vsp1MSP'] },
    { name: 'covariance', resultRecipients: ['Vsp1MSP'] },
  ],
};
const ask = (over: Partial<ComputationAsk> = {}): ComputationAsk => ({ computation: 'mean', columns: ['y'], ...over });

describe('the shared rule of computation requests', () => {
  it("grants an active member an allowed computation, to the terms' recipients in their order, on the only DSP's data", () => {
    expect(authorizeComputation(version, 'Vsp1MSP', ask())).toEqual({ granted: { program: 'mean', recipients: ['Vsp1MSP', 'DspMSP'], owner: 'DspMSP' } });
    // The recipients asked for may come in any order; the columns may be given as a count; the owner named.
    expect(authorizeComputation(version, 'DspMSP', ask({ recipients: ['DspMSP', 'Vsp1MSP'], columns: 1, owner: 'DspMSP' }))).toEqual({
      granted: { program: 'mean', recipients: ['Vsp1MSP', 'DspMSP'], owner: 'DspMSP' },
    });
    expect(authorizeComputation(version, 'DspMSP', ask({ computation: 'covariance', columns: 2 }))).toMatchObject({ granted: { program: 'covariance' } });
  });

  const cases: Array<[string, string, Partial<ComputationAsk>, (typeof USAGE_CHECKS)[number], 'forbidden' | 'invalid', RegExp]> = [
    ['an outsider', 'OtherMSP', {}, 'requester-member', 'forbidden', /OtherMSP is not a member of d1 version 2/],
    ['an abandoned member', 'Vsp2MSP', {}, 'requester-active', 'forbidden', /Vsp2MSP is abandoned in d1 version 2/],
    ['an exited member', 'Vsp3MSP', {}, 'requester-active', 'forbidden', /exited/],
    ['a computation outside the terms', 'DspMSP', { computation: 'median' }, 'computation-allowed', 'forbidden', /median is not allowed/],
    ['other recipients', 'DspMSP', { recipients: ['DspMSP'] }, 'recipients-allowed', 'forbidden', /may only go to Vsp1MSP, DspMSP/],
    ['more recipients', 'DspMSP', { recipients: ['DspMSP', 'Vsp1MSP', 'Vsp2MSP'] }, 'recipients-allowed', 'forbidden', /may only go to/],
    ['a recipient twice', 'DspMSP', { recipients: ['DspMSP', 'Vsp1MSP', 'DspMSP'] }, 'recipients-allowed', 'forbidden', /may only go to/],
    ['an inactive recipient', 'DspMSP', { computation: 'variance' }, 'recipients-active', 'forbidden', /recipient Vsp2MSP is not an active member/],
    ['a computation without a program', 'DspMSP', { computation: 'raw-dump' }, 'program', 'invalid', /raw-dump has no program in the catalogue/],
    ['too many columns', 'DspMSP', { columns: ['x', 'y'] }, 'parameters', 'invalid', /mean takes 1 columns/],
    ['too few columns as a count', 'DspMSP', { computation: 'covariance', columns: 1 }, 'parameters', 'invalid', /covariance takes 2 columns/],
    ['a VSP as the data owner', 'DspMSP', { owner: 'Vsp1MSP' }, 'dataset-owner', 'invalid', /Vsp1MSP is not a data owner/],
    ['an outsider as the data owner', 'DspMSP', { owner: 'OtherMSP' }, 'dataset-owner', 'invalid', /OtherMSP is not a data owner/],
  ];
  it.each(cases)('refuses %s (%s)', (_what, requester, over, check, kind, message) => {
    const decision = authorizeComputation(version, requester, ask(over));
    expect(decision).toEqual({ refused: { check, kind, message: expect.stringMatching(message) } });
  });

  it('asks for the owner when there are several DSPs, and refuses an inactive one', () => {
    const two: LedgerVersionView = { ...version, members: [...version.members, { mspId: 'Dsp2MSP', role: 'DSP', group: 'D', status: 'exited' }] };
    expect(authorizeComputation(two, 'DspMSP', ask())).toEqual({ refused: { check: 'dataset-owner', kind: 'invalid', message: 'dataset.owner: the version has several data owners; name one' } });
    expect(authorizeComputation(two, 'DspMSP', ask({ owner: 'Dsp2MSP' }))).toEqual({ refused: { check: 'owner-active', kind: 'forbidden', message: 'data owner Dsp2MSP is exited' } });
    expect(authorizeComputation(two, 'DspMSP', ask({ owner: 'DspMSP' }))).toMatchObject({ granted: { owner: 'DspMSP' } });
  });

  it('names the first failing check in the order of USAGE_CHECKS, and every check is one of them', () => {
    // An outsider asking for a computation outside the terms: requester-member comes first.
    expect(authorizeComputation(version, 'OtherMSP', ask({ computation: 'median', columns: 9 }))).toMatchObject({ refused: { check: 'requester-member' } });
    expect(authorizeComputation(version, 'DspMSP', ask({ computation: 'raw-dump', columns: 9 }))).toMatchObject({ refused: { check: 'program' } });
    // Every check of the shared rule; the nodes' own checks are ledger-check.ts's.
    expect(new Set(cases.map((c) => c[3]))).toEqual(new Set(USAGE_CHECKS.filter((c) => c !== 'owner-active' && !(NODE_USAGE_CHECKS as readonly string[]).includes(c))));
  });
});
