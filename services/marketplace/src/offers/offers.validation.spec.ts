import { newOfferSchema, offerPatchSchema, patchTerms, searchQuerySchema, termsOf, descriptionDigest } from './offers.validation';
import { registrationSchema } from '../participants/participants.service';
import { revenueInputSchema } from '../daos/daos.service';
import { feedbackInputSchema } from '../feedback/feedback.service';

const dataOffer = {
  kind: 'data',
  title: 'City air quality',
  description: 'Hourly PM2.5 and NO2 readings from 40 street sensors.',
  tags: ['Air', 'iot', 'air'],
  schema: { pm25: 'int', no2: 'int', sensor: 'string' },
  updateFrequency: 'hourly',
  source: { type: 'iot-stream', topic: 'dsp.air.readings' },
};
const valueOffer = {
  kind: 'value',
  title: 'Anomaly detection',
  description: 'Detects anomalies in time series.',
  service: 'anomaly detection',
  computations: ['mean', 'variance'],
  infrastructure: { cpu: 2, memoryMb: 2048, gpu: false },
};

describe('offer validation', () => {
  it('accepts a data offer and a value offer, normalising tags (lower case, once each)', () => {
    const d = newOfferSchema.parse(dataOffer);
    expect(d.tags).toEqual(['air', 'iot']);
    expect(termsOf(d)).toEqual({ tags: ['air', 'iot'], schema: dataOffer.schema, updateFrequency: 'hourly', source: dataOffer.source });
    const v = newOfferSchema.parse(valueOffer);
    expect(v.tags).toEqual([]);
    expect(termsOf(v)).toEqual({ tags: [], service: 'anomaly detection', computations: ['mean', 'variance'], infrastructure: valueOffer.infrastructure });
  });

  it.each([
    ['no kind', { ...dataOffer, kind: undefined }],
    ['an unknown kind', { ...dataOffer, kind: 'service' }],
    ['a missing title', { ...dataOffer, title: undefined }],
    ['a blank title', { ...dataOffer, title: '   ' }],
    ['an empty description', { ...dataOffer, description: '' }],
    ['a description over 64 KiB', { ...dataOffer, description: 'x'.repeat(64 * 1024 + 1) }],
    ['a tag with spaces', { ...dataOffer, tags: ['air quality'] }],
    ['21 tags', { ...dataOffer, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ['an iot-stream without its topic', { ...dataOffer, source: { type: 'iot-stream' } }],
    ['an unknown source type', { ...dataOffer, source: { type: 'ftp' } }],
    ['a floating-point number in the schema', { ...dataOffer, schema: { scale: 0.5 } }],
    ['a data offer without updateFrequency', { ...dataOffer, updateFrequency: undefined }],
    ['a data offer with value fields', { ...dataOffer, service: 'x' }],
    ['a value offer without computations', { ...valueOffer, computations: [] }],
    ['a value offer with a data field', { ...valueOffer, updateFrequency: 'daily' }],
    ['an unknown field', { ...valueOffer, price: 3 }],
  ])('refuses %s', (_, input) => {
    expect(newOfferSchema.safeParse(input).success).toBe(false);
  });

  it('patches only the fields of the offer’s kind, and needs at least one change', () => {
    expect(offerPatchSchema.safeParse({}).success).toBe(false);
    const patch = offerPatchSchema.parse({ updateFrequency: 'daily', tags: ['Air'] });
    expect(patchTerms('data', termsOf(newOfferSchema.parse(dataOffer)), patch)).toEqual({
      terms: { tags: ['air'], schema: dataOffer.schema, updateFrequency: 'daily', source: dataOffer.source },
    });
    expect(patchTerms('value', {}, patch)).toEqual({ problem: 'body.updateFrequency: a value offer has no updateFrequency' });
  });

  it('digests a description as SHA-256 hex of its UTF-8', () => {
    expect(descriptionDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

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
