import { computationCharge } from './pricing';

describe('computationCharge', () => {
  it('charges a pay-per-use version with a price per computation, at that price', () => {
    expect(computationCharge({ businessModel: 'pay-per-use', price: { perComputation: '2500' } })).toEqual({ charged: true, amount: '2500' });
  });

  it('charges neither a subscription version, nor one without a price, and says why', () => {
    expect(computationCharge({ businessModel: 'subscription', price: {} })).toEqual({ charged: false, reason: expect.stringContaining('business model is subscription') });
    expect(computationCharge({ businessModel: 'pay-per-use' })).toEqual({ charged: false, reason: expect.stringContaining('no price per computation') });
    expect(computationCharge({ businessModel: 'pay-per-use', price: { perComputation: '' } })).toMatchObject({ charged: false });
    expect(computationCharge({})).toEqual({ charged: false, reason: expect.stringContaining('not known') });
  });
});
