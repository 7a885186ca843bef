import { createPrivateKey, sign } from 'node:crypto';
import { computationRequestSigningText } from '@datawell/domain';
import { certificateIssuedBy, REQUEST_WINDOW_MS, requestSignatureProblem } from './request-signature';
import { createMpcCa, issueMpcCertificate, type MpcCa, type TlsIdentity } from './transport/test-pki';

const NOW = Date.now();
const fields = { daoId: 'd1', version: 2, computation: 'mean', dataset: 'readings', recipients: ['VspMSP', 'DspMSP'], requester: 'VspMSP' };

let ca: MpcCa;
let other: MpcCa;
let user: TlsIdentity;
beforeAll(async () => {
  [ca, other] = await Promise.all([createMpcCa('VspMSP CA'), createMpcCa('Other CA')]);
  user = await issueMpcCertificate(ca, 'vsp-user');
});

const signed = (over: Partial<typeof fields> = {}, issuedAtMs = NOW, requestId = 'req-1') => ({
  requestId,
  issuedAtMs,
  certificatePem: user.cert,
  signature: sign('sha256', Buffer.from(computationRequestSigningText({ ...fields, ...over, requestId, issuedAtMs }), 'utf8'), createPrivateKey(user.key)).toString('base64'),
});

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
  ])('does not verify when the %s changed', (_what, change) => {
    expect(requestSignatureProblem({ ...fields, ...change }, signed(), NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
  });

  it('does not verify with another request id or time than signed, nor with garbage', () => {
    expect(requestSignatureProblem(fields, { ...signed(), requestId: 'req-2' }, NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    expect(requestSignatureProblem(fields, { ...signed(), issuedAtMs: NOW + 1 }, NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    expect(requestSignatureProblem(fields, { ...signed(), signature: 'AAAA' }, NOW)).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    expect(requestSignatureProblem(fields, { ...signed(), certificatePem: 'not a certificate' }, NOW)).toMatchObject({ code: 'REQUEST_CERTIFICATE_INVALID' });
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
