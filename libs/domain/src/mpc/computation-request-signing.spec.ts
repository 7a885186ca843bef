import { computationRequestSigningText } from './computation-request-signing';

const fields = { requestId: 'req-1', daoId: 'dao-a', version: 2, computation: 'mean', dataset: 'readings', recipients: ['VspMSP', 'DspMSP'], requester: 'VspMSP', issuedAtMs: 1_700_000_000_000 };

describe('computationRequestSigningText', () => {
  it('is the canonical JSON of the fields, recipients sorted, with its kind', () => {
    expect(computationRequestSigningText(fields)).toBe(
      '{"computation":"mean","daoId":"dao-a","dataset":"readings","issuedAtMs":1700000000000,"kind":"datawell.computation-request.v1","recipients":["DspMSP","VspMSP"],"requestId":"req-1","requester":"VspMSP","version":2}',
    );
  });

  it('does not depend on the order of the recipients', () => {
    expect(computationRequestSigningText({ ...fields, recipients: ['DspMSP', 'VspMSP'] })).toBe(computationRequestSigningText(fields));
  });

  it.each([
    ['requestId', { requestId: 'req-2' }],
    ['daoId', { daoId: 'dao-b' }],
    ['version', { version: 3 }],
    ['computation', { computation: 'sum' }],
    ['dataset', { dataset: 'other' }],
    ['recipients', { recipients: ['VspMSP'] }],
    ['requester', { requester: 'DspMSP' }],
    ['issuedAtMs', { issuedAtMs: 1_700_000_000_001 }],
  ])('changes with %s', (_name, change) => {
    expect(computationRequestSigningText({ ...fields, ...change })).not.toBe(computationRequestSigningText(fields));
  });
});
