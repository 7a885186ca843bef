import { ledgerEventSchema, resultDigest, resultJson } from '@datawell/contracts';
import { membersAfterTransfer, readModelUpdateOf } from '../ledger/read-model';
import { authorizeRequest, computationId, parseComputationRequest, type DaoVersionView } from './authorization';
import { SIGNATURE_FIELDS } from './version.spec-helper';

const version: DaoVersionView = {
  daoId: 'd1',
  version: 2,
  channel: 'dao-d1-v2',
  members: [
    { mspId: 'DspMSP', role: 'DSP', group: 'D', status: 'active' },
    { mspId: 'Vsp1MSP', role: 'VSP', group: 'J1', status: 'active' },
    { mspId: 'Vsp2MSP', role: 'VSP', group: 'J2', status: 'abandoned' },
  ],
  computations: [
    { name: 'mean', resultRecipients: ['Vsp1MSP'] },
    { name: 'variance', resultRecipients: ['Vsp2MSP'] },
    { name: 'raw-dump', resultRecipients: ['Vsp1MSP'] },
  ],
};
const request = (over: Record<string, unknown> = {}) =>
  parseComputationRequest({ daoId: 'd1', version: 2, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'readings' }, ...SIGNATURE_FIELDS, ...over });

describe('authorizing a computation request', () => {
  it('allows an active member an allowed computation, to the recipients of the terms, on the DSP data', () => {
    expect(authorizeRequest(version, 'DspMSP', request())).toEqual({ program: 'mean', recipients: ['Vsp1MSP'], owner: 'DspMSP' });
    expect(authorizeRequest(version, 'Vsp1MSP', request({ recipients: ['Vsp1MSP'] })).recipients).toEqual(['Vsp1MSP']);
  });

  it.each([
    ['an outsider', 'OtherMSP', {}, /not a member/],
    ['an abandoned member', 'Vsp2MSP', {}, /abandoned/],
    ['a computation outside the terms', 'DspMSP', { computation: 'median' }, /not allowed/],
    ['other recipients', 'DspMSP', { recipients: ['DspMSP'] }, /may only go to Vsp1MSP/],
    ['an inactive recipient', 'DspMSP', { computation: 'variance' }, /recipient Vsp2MSP is not an active member/],
  ])('forbids %s', (_what, caller, over, message) => {
    expect(() => authorizeRequest(version, caller, request(over))).toThrow(expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringMatching(message) }));
  });

  it('rejects a computation without a program, wrong columns, a non-DSP owner and malformed bodies', () => {
    expect(() => authorizeRequest(version, 'DspMSP', request({ computation: 'raw-dump' }))).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    expect(() => authorizeRequest(version, 'DspMSP', request({ parameters: { columns: ['x', 'y'] } }))).toThrow(/takes 1 columns/);
    expect(() => authorizeRequest(version, 'DspMSP', request({ dataset: { name: 'r', owner: 'Vsp1MSP' } }))).toThrow(/not a data owner/);
    expect(() => parseComputationRequest({ daoId: 'd1', ...SIGNATURE_FIELDS })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    expect(() => request({ version: 1.5 })).toThrow(/^version/);
  });

  it('refuses a request without a signature first, 400 REQUEST_SIGNATURE_REQUIRED in one line, whatever else it lacks', () => {
    const unsigned = { daoId: 'd1', version: 2, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'readings', owner: 'DspMSP' }, recipients: ['Vsp1MSP'], requestId: 'r1' };
    const message = 'a computation request must be signed by its requester: issuedAtMs, certificatePem and signature over computationRequestSigningText (datawell.computation-request.v2)';
    for (const body of [unsigned, { daoId: 'd1' }, {}]) {
      expect(() => parseComputationRequest(body)).toThrow(expect.objectContaining({ code: 'REQUEST_SIGNATURE_REQUIRED', kind: 'invalid', message }));
    }
    // Part of a signature is a malformed request, naming the missing field.
    expect(() => parseComputationRequest({ ...unsigned, ...SIGNATURE_FIELDS, signature: undefined })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^signature: /) }));
    expect(() => parseComputationRequest({ ...unsigned, ...SIGNATURE_FIELDS, issuedAtMs: undefined })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^issuedAtMs: /) }));
    // Not an object at all: the schema's own message.
    expect(() => parseComputationRequest('mean please')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  it('names a computation by the caller and request id when given, and digests results canonically', () => {
    const a = computationId('DspMSP', request({ requestId: 'r1' }), () => 'x');
    expect(a).toBe(computationId('DspMSP', request({ requestId: 'r1' }), () => 'y'));
    expect(a).not.toBe(computationId('Vsp1MSP', request({ requestId: 'r1' }), () => 'x'));
    expect(computationId('DspMSP', request(), () => 'abc')).toBe('cmp-abc');
    expect(resultDigest({ b: 1, a: 2 })).toBe(resultDigest({ a: 2, b: 1 }));
    expect(resultDigest({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
    expect(resultJson({ mean: 21.193710289001466, n: 400, coefficients: [0.5, -1e-7] })).toBe('{"coefficients":[0.5,-1e-7],"mean":21.193710289001466,"n":400}');
    expect(() => resultJson({ x: NaN })).toThrow(/non-finite/);
  });
});

describe('the read model of ledger events', () => {
  const event = (eventName: string, payload: unknown, channel = 'dao-d1-v2') =>
    ledgerEventSchema.parse({ channel, blockNumber: '5', transactionId: 'tx', eventIndex: 0, chaincodeId: 'dao', eventName, payloadEncoding: 'json', payload, daoId: 'd1' });

  it('takes versions from VersionCreated and member status from MemberAbandoned and MemberExited', () => {
    const created = readModelUpdateOf(
      event('VersionCreated', { daoId: 'd1', version: 2, members: [{ mspId: 'DspMSP', role: 'DSP', group: 'D' }], terms: { computations: [{ name: 'mean', resultRecipients: ['DspMSP'] }] } }),
    );
    expect(created).toEqual({
      kind: 'version',
      version: { daoId: 'd1', version: 2, channel: 'dao-d1-v2', members: [{ mspId: 'DspMSP', role: 'DSP', group: 'D', status: 'active' }], computations: [{ name: 'mean', resultRecipients: ['DspMSP'] }] },
    });
    expect(readModelUpdateOf(event('MemberExited', { mspId: 'Vsp1MSP' }))).toEqual({ kind: 'member-status', daoId: 'd1', fromVersion: 2, mspId: 'Vsp1MSP', status: 'exited' });
    expect(readModelUpdateOf(event('MemberAbandoned', { mspId: 'Vsp1MSP' }))).toMatchObject({ status: 'abandoned' });
  });

  it("takes a transferred position and its rewritten terms from MemberTransferred, and new terms from an accepted change-terms", () => {
    const computations = [{ name: 'mean', resultRecipients: ['NewMSP'] }];
    expect(readModelUpdateOf(event('MemberTransferred', { transferId: 't', from: 'Vsp1MSP', to: 'NewMSP', terms: { durationDays: 1, computations } }))).toEqual({
      kind: 'member-transferred',
      daoId: 'd1',
      version: 2,
      from: 'Vsp1MSP',
      to: 'NewMSP',
      computations,
    });
    // An event of an earlier chaincode carries no terms: the computations stay as they are.
    expect(readModelUpdateOf(event('MemberTransferred', { transferId: 't', from: 'Vsp1MSP', to: 'NewMSP' }))).not.toHaveProperty('computations');
    expect(readModelUpdateOf(event('MemberTransferred', { transferId: 't', from: 'Vsp1MSP' }))).toHaveProperty('ignored');
    const decided = (over: Record<string, unknown>) => readModelUpdateOf(event('ProposalDecided', { proposalId: 'p', kind: 'change-terms', outcome: 'accepted', effect: { terms: { computations } }, ...over }));
    expect(decided({})).toEqual({ kind: 'terms', daoId: 'd1', version: 2, computations });
    expect(decided({ outcome: 'rejected' })).toBeUndefined();
    expect(decided({ kind: 'dissolve', effect: { dissolved: true } })).toBeUndefined();
    expect(decided({ effect: { terms: { computations: 'all' } } })).toHaveProperty('ignored');
  });

  it('moves a position in the members: the leaver exited, a newcomer active in its place, a member recipient as it was', () => {
    const members = version.members;
    expect(membersAfterTransfer(members, 'Vsp1MSP', 'NewMSP')).toEqual([
      members[0],
      { mspId: 'Vsp1MSP', role: 'VSP', group: 'J1', status: 'exited' },
      { mspId: 'NewMSP', role: 'VSP', group: 'J1', status: 'active' },
      members[2],
    ]);
    expect(membersAfterTransfer(members, 'Vsp1MSP', 'DspMSP')).toEqual([members[0], { ...members[1], status: 'exited' }, members[2]]);
    expect(membersAfterTransfer(members, 'GoneMSP', 'NewMSP')).toEqual(members);
  });

  it('ignores other events and channels, and flags unusable payloads', () => {
    expect(readModelUpdateOf(event('RevenueRecorded', {}))).toBeUndefined();
    expect(readModelUpdateOf(event('VersionCreated', {}, 'marketplace'))).toBeUndefined();
    expect(readModelUpdateOf(event('VersionCreated', { daoId: 'd1' }))).toHaveProperty('ignored');
    expect(readModelUpdateOf(event('VersionCreated', { daoId: 'd9', version: 2, members: [{ mspId: 'A' }], terms: {} }))).toEqual({ ignored: 'VersionCreated of another channel' });
  });
});
