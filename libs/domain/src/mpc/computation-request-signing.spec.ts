import { computationParametersText, computationRequestSigningText, outdatedComputationRequestSigningText } from './computation-request-signing';

const DIGEST = 'ab'.repeat(32);
const fields = { requestId: 'req-1', daoId: 'dao-a', version: 2, computation: 'mean', dataset: 'readings', owner: 'DspMSP', parametersDigest: DIGEST, recipients: ['VspMSP', 'DspMSP'], requester: 'VspMSP', issuedAtMs: 1_700_000_000_000 };

describe('computationRequestSigningText', () => {
  it('is the canonical JSON of the fields, recipients sorted, with its kind v2', () => {
    expect(computationRequestSigningText(fields)).toBe(
      `{"computation":"mean","daoId":"dao-a","dataset":"readings","issuedAtMs":1700000000000,"kind":"datawell.computation-request.v2","owner":"DspMSP","parametersDigest":"${DIGEST}","recipients":["DspMSP","VspMSP"],"requestId":"req-1","requester":"VspMSP","version":2}`,
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
    ['owner', { owner: 'OtherDspMSP' }],
    ['parametersDigest', { parametersDigest: 'cd'.repeat(32) }],
    ['recipients', { recipients: ['VspMSP'] }],
    ['requester', { requester: 'DspMSP' }],
    ['issuedAtMs', { issuedAtMs: 1_700_000_000_001 }],
  ])('changes with %s', (_name, change) => {
    expect(computationRequestSigningText({ ...fields, ...change })).not.toBe(computationRequestSigningText(fields));
  });

  it('is never the outdated v1 text, which bound neither the owner nor the parameters', () => {
    const v1 = outdatedComputationRequestSigningText(fields);
    expect(v1).toBe('{"computation":"mean","daoId":"dao-a","dataset":"readings","issuedAtMs":1700000000000,"kind":"datawell.computation-request.v1","recipients":["DspMSP","VspMSP"],"requestId":"req-1","requester":"VspMSP","version":2}');
    expect(v1).not.toBe(computationRequestSigningText(fields));
    const otherOwnerAndParameters = { ...fields, owner: 'OtherDspMSP', parametersDigest: 'cd'.repeat(32) };
    expect(outdatedComputationRequestSigningText(otherOwnerAndParameters)).toBe(v1);
  });
});

describe('computationParametersText', () => {
  it('names the precision only when it is not the default, so default requests keep their text and signatures', () => {
    const base = { fractionalBits: 16, columns: ['y'] };
    expect(computationParametersText({ ...base, precision: 'fxp32' })).toBe(computationParametersText(base));
    expect(computationParametersText({ ...base, precision: 'fxp16' })).toBe('{"columns":["y"],"fractionalBits":16,"precision":"fxp16"}');
  });

  it('is the sorted-key JSON of the columns in order and the fractional bits, nothing else', () => {
    expect(computationParametersText({ fractionalBits: 16, columns: ['y', 'x'] })).toBe('{"columns":["y","x"],"fractionalBits":16}');
    expect(computationParametersText({ columns: ['y', 'x'], fractionalBits: 16, extra: 1 } as { columns: string[]; fractionalBits: number })).toBe('{"columns":["y","x"],"fractionalBits":16}');
    expect(computationParametersText({ columns: ['x', 'y'], fractionalBits: 16 })).not.toBe(computationParametersText({ columns: ['y', 'x'], fractionalBits: 16 }));
  });
});
