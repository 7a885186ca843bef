import { searchQuerySchema } from './offers.validation';
import { registrationSchema } from '../participants/participants.service';
import { revenueInputSchema } from '../daos/daos.service';
import { feedbackInputSchema } from '../feedback/feedback.service';

describe('search query validation', () => {
  it('defaults to open offers, 20 at a time, and splits tags given as a list or repeated', () => {
    expect(searchQuerySchema.parse({})).toMatchObject({ status: 'open', limit: 20, offset: 0 });
    expect(searchQuerySchema.parse({ tags: 'air, IoT' }).tags).toEqual(['air', 'iot']);
    expect(searchQuerySchema.parse({ tags: ['air', 'iot'] }).tags).toEqual(['air', 'iot']);
    expect(searchQuerySchema.parse({ minReputation: '3.5', limit: '5' })).toMatchObject({ minReputation: 3.5, limit: 5 });
  });

  it.each([
    ['an unknown role', { role: 'Operator' }],
    ['an unknown kind', { kind: 'both' }],
    ['a reputation above 5', { minReputation: '6' }],
    ['a reputation that is not a number', { minReputation: 'good' }],
    ['a limit of 0', { limit: '0' }],
    ['a limit over 100', { limit: '101' }],
    ['a fractional offset', { offset: '1.5' }],
    ['a query over 256 characters', { q: 'a'.repeat(257) }],
    ['a malformed owner', { owner: 'acme' }],
  ])('refuses %s', (_, query) => {
    expect(searchQuerySchema.safeParse(query).success).toBe(false);
  });
});

describe('other request bodies', () => {
  const csrPem = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';

  it('registration: an MSP id ending in MSP (not the operator), a role, a name and a certificate request, or no identity (its own CA)', () => {
    const ok = { mspId: 'AcmeMSP', role: 'DSP', name: 'Acme', identity: { enrollmentId: 'alice', csrPem } };
    expect(registrationSchema.safeParse(ok).success).toBe(true);
    // An organisation with its own CA in its own domain registers without an identity.
    expect(registrationSchema.safeParse({ mspId: 'AcmeMSP', role: 'DSP', name: 'Acme' }).success).toBe(true);
    for (const bad of [
      { ...ok, mspId: 'Acme' },
      { ...ok, mspId: 'OperatorMSP' },
      { ...ok, role: 'OPERATOR' },
      { ...ok, name: '' },
      { ...ok, identity: null },
      { ...ok, identity: {} },
      { ...ok, identity: { enrollmentId: 'a b', csrPem } },
      { ...ok, identity: { enrollmentId: 'alice', csrPem: 'not a csr' } },
    ]) {
      expect(registrationSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('revenue: a positive decimal string and use|subscription', () => {
    expect(revenueInputSchema.safeParse({ amount: '1000000', kind: 'use' }).success).toBe(true);
    for (const bad of [{ amount: 1000, kind: 'use' }, { amount: '0', kind: 'use' }, { amount: '01', kind: 'use' }, { amount: '1.5', kind: 'use' }, { amount: '10', kind: 'rent' }]) {
      expect(revenueInputSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('feedback: a score of 1-5', () => {
    expect(feedbackInputSchema.safeParse({ daoId: 'd1', target: 'VspMSP', score: 5, comment: 'good' }).success).toBe(true);
    for (const score of [0, 6, 4.5, '5']) expect(feedbackInputSchema.safeParse({ daoId: 'd1', target: 'VspMSP', score }).success).toBe(false);
  });
});
