import { createPrivateKey, sign } from 'node:crypto';
import { parametersDigest } from '@datawell/contracts';
import { computationRequestSigningText, outdatedComputationRequestSigningText } from '@datawell/domain';
import { certificateIssuedBy, REQUEST_WINDOW_MS, requestSignatureProblem } from './request-signature';
import { createMpcCa, issueMpcCertificate, type MpcCa, type TlsIdentity } from './transport/test-pki';

const NOW = Date.now();
const fields = { daoId: 'd1', version: 2, computation: 'mean', dataset: 'readings', owner: 'DspMSP', parameters: { columns: ['y'], fractionalBits: 16 }, recipients: ['VspMSP', 'DspMSP'], requester: 'VspMSP' };
type Fields = typeof fields;
const textOf = ({ parameters, ...f }: Fields, requestId: string, issuedAtMs: number) => computationRequestSigningText({ ...f, parametersDigest: parametersDigest(parameters), requestId, issuedAtMs });

let ca: MpcCa;
let other: MpcCa;
let user: TlsIdentity;
beforeAll(async () => {
  [ca, other] = await Promise.all([createMpcCa('VspMSP CA'), createMpcCa('Other CA')]);
  user = await issueMpcCertificate(ca, 'vsp-user');
});

const signedText = (text: string, requestId: string, issuedAtMs: number) => ({
  requestId,
  issuedAtMs,
  certificatePem: user.cert,
  signature: sign('sha256', Buffer.from(text, 'utf8'), createPrivateKey(user.key)).toString('base64'),
});
const signed = (over: Partial<Fields> = {}, issuedAtMs = NOW, requestId = 'req-1') => signedText(textOf({ ...fields, ...over }, requestId, issuedAtMs), requestId, issuedAtMs);

describe("a computation request's signature", () => {
  it('verifies over the fields signed, in any order of the recipients', () => {
    expect(requestSignatureProblem(fields, signed(), NOW)).toBeUndefined();
    expect(requestSignatureProblem({ ...fields, recipients: ['DspMSP', 'VspMSP'] }, signed(), NOW)).toBeUndefined();
  });

  it.each([
    ['recipients', { recipients: ['VspMSP'] }],
    ['requester', { requester: 'DspMSP' }],
    ['computation', { computation: 'sum' }],
    ['dataset', { dataset: 'other' }],
    ['version', { version: 3 }],
    ['data owner', { owner: 'OtherDspMSP' }],
    ['columns', { parameters: { columns: ['x'], fractionalBits: 16 } }],
    ['order of the columns', { parameters: { columns: ['x', 'y'], fractionalBits: 16 } }],
    ['fractional bits', { parameters: { columns: ['y'], fractionalBits: 12 } }],
  ])('does not verify when the %s changed', (_what, change) => {
    expect(requestSignatureProblem({ ...fields, ...change }, signed(), NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
  });

  it('does not verify with another request id or time than signed, nor with garbage', () => {
    expect(requestSignatureProblem(fields, { ...signed(), requestId: 'req-2' }, NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    expect(requestSignatureProblem(fields, { ...signed(), issuedAtMs: NOW + 1 }, NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    expect(requestSignatureProblem(fields, { ...signed(), signature: 'AAAA' }, NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    expect(requestSignatureProblem(fields, { ...signed(), certificatePem: 'not a certificate' }, NOW)).toMatchObject({ code: 'REQUEST_CERTIFICATE_INVALID' });
  });

  it('refuses a signature over the outdated v1 text, which bound neither the parameters nor the owner, with its own code', () => {
    const { parameters: _p, owner: _o, ...v1 } = fields;
    const old = signedText(outdatedComputationRequestSigningText({ ...v1, requestId: 'req-1', issuedAtMs: NOW }), 'req-1', NOW);
    expect(requestSignatureProblem(fields, old, NOW)).toEqual({ code: 'REQUEST_SIGNATURE_OUTDATED', message: expect.stringMatching(/signed as datawell\.computation-request\.v1, which binds neither its parameters nor its data owner: no longer taken; sign datawell\.computation-request\.v2/) });
    // Whatever parameters or owner the checker holds: v1 signed none of them.
    expect(requestSignatureProblem({ ...fields, owner: 'OtherDspMSP', parameters: { columns: ['x'], fractionalBits: 0 } }, old, NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_OUTDATED' });
    // A v1 signature over other fields is just invalid.
    expect(requestSignatureProblem({ ...fields, computation: 'sum' }, old, NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
  });

  it('is refused beyond the window, or too far ahead', () => {
    expect(requestSignatureProblem(fields, signed({}, NOW - REQUEST_WINDOW_MS), NOW)).toBeUndefined();
    expect(requestSignatureProblem(fields, signed({}, NOW - REQUEST_WINDOW_MS - 1), NOW)).toMatchObject({ code: 'REQUEST_STALE' });
    expect(requestSignatureProblem(fields, signed({}, NOW + 5 * 60_000), NOW)).toMatchObject({ code: 'REQUEST_STALE' });
  });

  it("tells the certificate's issuer among CA certificates", () => {
    expect(certificateIssuedBy(user.cert, [ca.cert])).toBe(true);
    expect(certificateIssuedBy(user.cert, [other.cert + ca.cert])).toBe(true);
    expect(certificateIssuedBy(user.cert, [other.cert])).toBe(false);
    expect(certificateIssuedBy(user.cert, [])).toBe(false);
    expect(certificateIssuedBy('garbage', [ca.cert])).toBe(false);
  });
});
