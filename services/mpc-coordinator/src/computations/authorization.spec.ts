import { resultDigest, resultJson } from '@datawell/contracts';
import { computationId, parseComputationRequest } from './authorization';
import { SIGNATURE_FIELDS } from './version.spec-helper';

const request = (over: Record<string, unknown> = {}) =>
  parseComputationRequest({ daoId: 'd1', version: 2, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'readings' }, ...SIGNATURE_FIELDS, ...over });

describe('a computation request', () => {
  it('is parsed with its defaults, and a malformed body is INVALID_REQUEST naming the field', () => {
    expect(request()).toMatchObject({ daoId: 'd1', version: 2, parameters: { columns: ['y'], fractionalBits: 16 } });
    expect(() => parseComputationRequest({ daoId: 'd1', ...SIGNATURE_FIELDS })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    expect(() => request({ version: 1.5 })).toThrow(/^version/);
    expect(() => request({ extra: true })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
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
