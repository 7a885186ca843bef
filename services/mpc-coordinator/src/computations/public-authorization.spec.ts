import { authorizePublicRequest, parseComputationRequest, type DaoVersionView } from './authorization';
import { PUBLIC_TWO_MEMBER_VERSION, SIGNATURE_FIELDS } from './version.spec-helper';

/** A version known only from the marketplace's public directory (members' MSP ids, no roles, no terms), with a third member who exited. */
const publicVersion: DaoVersionView = {
  ...PUBLIC_TWO_MEMBER_VERSION,
  members: [...PUBLIC_TWO_MEMBER_VERSION.members, { mspId: 'Vsp2MSP', role: '', group: '', status: 'exited' }],
};
const directory: Record<string, string> = { DspMSP: 'DSP', Vsp1MSP: 'VSP', Vsp2MSP: 'VSP', Dsp2MSP: 'DSP' };
const roleOf = (msp: string) => directory[msp];
const request = (over: Record<string, unknown> = {}) =>
  parseComputationRequest({ daoId: 'd1', version: 1, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'readings' }, recipients: ['Vsp1MSP'], ...SIGNATURE_FIELDS, ...over });

describe('authorizing a request on a public version (terms left to the nodes)', () => {
  it('grants a listed member named recipients, the owner defaulting to the only listed member whose directory role is DSP', () => {
    expect(authorizePublicRequest(publicVersion, 'Vsp1MSP', request(), roleOf)).toEqual({ program: 'mean', recipients: ['Vsp1MSP'], owner: 'DspMSP' });
    // The computation is not in any terms the coordinator knows: the nodes check it against their own ledgers.
    expect(authorizePublicRequest(publicVersion, 'DspMSP', request({ computation: 'variance', recipients: ['DspMSP', 'Vsp1MSP'], dataset: { name: 'r', owner: 'DspMSP' } }), roleOf)).toEqual({
      program: 'variance',
      recipients: ['DspMSP', 'Vsp1MSP'],
      owner: 'DspMSP',
    });
  });

  it('requires the recipients, saying the terms are private to the DAO channel', () => {
    const { recipients: _r, ...body } = { daoId: 'd1', version: 1, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'readings' }, recipients: [], ...SIGNATURE_FIELDS };
    expect(() => authorizePublicRequest(publicVersion, 'Vsp1MSP', parseComputationRequest(body), roleOf)).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^recipients: .*private to the DAO's channel.*must be named/) }),
    );
  });

  it.each([
    ['a caller that is not listed', 'OtherMSP', {}, 'FORBIDDEN', 'requester-member'],
    ['an inactive caller', 'Vsp2MSP', {}, 'FORBIDDEN', 'requester-active'],
    ['a recipient that is not listed', 'Vsp1MSP', { recipients: ['OtherMSP'] }, 'FORBIDDEN', 'recipients-active'],
    ['an inactive recipient', 'Vsp1MSP', { recipients: ['Vsp2MSP'] }, 'FORBIDDEN', 'recipients-active'],
    ['a recipient named twice', 'Vsp1MSP', { recipients: ['Vsp1MSP', 'Vsp1MSP'] }, 'INVALID_REQUEST', 'recipients-allowed'],
    ['a data owner that is not listed', 'Vsp1MSP', { dataset: { name: 'r', owner: 'Dsp2MSP' } }, 'INVALID_REQUEST', 'dataset-owner'],
    ['a data owner the directory says is a VSP', 'Vsp1MSP', { dataset: { name: 'r', owner: 'Vsp1MSP' } }, 'INVALID_REQUEST', 'dataset-owner'],
    ['a program outside the catalogue', 'Vsp1MSP', { computation: 'median' }, 'INVALID_REQUEST', 'program'],
    ['columns the program does not take', 'Vsp1MSP', { computation: 'covariance' }, 'INVALID_REQUEST', 'parameters'],
  ])('refuses %s', (_what, caller, over, code, check) => {
    expect(() => authorizePublicRequest(publicVersion, caller, request(over), roleOf)).toThrow(expect.objectContaining({ code, check }));
  });

  it('asks for dataset.owner when no single listed member is a DSP in the directory', () => {
    const two: DaoVersionView = { ...publicVersion, members: [...publicVersion.members, { mspId: 'Dsp2MSP', role: '', group: '', status: 'active' }] };
    expect(() => authorizePublicRequest(two, 'Vsp1MSP', request(), roleOf)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^dataset\.owner: .*name it/) }));
    expect(() => authorizePublicRequest(publicVersion, 'Vsp1MSP', request(), () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', check: 'dataset-owner' }));
    expect(authorizePublicRequest(two, 'Vsp1MSP', request({ dataset: { name: 'r', owner: 'Dsp2MSP' } }), roleOf).owner).toBe('Dsp2MSP');
  });
});
