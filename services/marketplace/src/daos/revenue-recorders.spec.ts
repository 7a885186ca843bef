import { revenueRecorderRefusal, type RecorderCandidate } from './revenue-recorders';

const members: RecorderCandidate[] = [
  { mspId: 'DspMSP', group: 'D', status: 'active' },
  { mspId: 'Dsp2MSP', group: 'D', status: 'active' },
  { mspId: 'Vsp1MSP', group: 'J1', status: 'active' },
  { mspId: 'Vsp2MSP', group: 'J2', status: 'abandoned' },
];
const refusal = (terms: unknown, mspId: string, list = members) => {
  const error = revenueRecorderRefusal(terms, list, mspId, 'dao-acme-v2');
  return error && { code: error.code, kind: error.kind, message: error.message };
};

describe('who may record revenue (the dao chaincode’s rule, up front)', () => {
  it('lets every active member of D record when the terms name no recorders', () => {
    expect(refusal({ businessModel: 'pay-per-use' }, 'DspMSP')).toBeUndefined();
    expect(refusal({}, 'Dsp2MSP')).toBeUndefined();
    expect(refusal(undefined, 'DspMSP')).toBeUndefined();
    expect(refusal({}, 'Vsp1MSP')).toEqual({
      code: 'NOT_REVENUE_RECORDER',
      kind: 'forbidden',
      message: 'Vsp1MSP is not named by the terms of dao-acme-v2 to record revenue (the founding group D, as the terms name no recorders)',
    });
  });

  it('lets only the members the terms name record, D included or not', () => {
    const terms = { businessModel: 'pay-per-use', revenueRecorders: ['Vsp1MSP'] };
    expect(refusal(terms, 'Vsp1MSP')).toBeUndefined();
    expect(refusal(terms, 'DspMSP')).toMatchObject({ code: 'NOT_REVENUE_RECORDER', message: expect.stringContaining('(terms.revenueRecorders)') });
  });

  it('refuses a member that is not active, or not a member, with FORBIDDEN before asking whether it is named', () => {
    expect(refusal({ revenueRecorders: ['Vsp2MSP'] }, 'Vsp2MSP')).toMatchObject({ code: 'FORBIDDEN', kind: 'forbidden' });
    expect(refusal({}, 'OutsiderMSP')).toMatchObject({ code: 'FORBIDDEN', message: 'OutsiderMSP is not an active member of dao-acme-v2 and may not record its revenue' });
    expect(refusal({}, 'DspMSP', [{ mspId: 'DspMSP', group: 'D', status: 'exited' }])).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('reads stored terms whose recorders are not a list as naming none (the founding group D)', () => {
    expect(refusal({ revenueRecorders: 'Vsp1MSP' }, 'DspMSP')).toBeUndefined();
    expect(refusal({ revenueRecorders: 'Vsp1MSP' }, 'Vsp1MSP')).toMatchObject({ code: 'NOT_REVENUE_RECORDER' });
  });
});
