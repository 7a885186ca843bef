import { descriptionDigest, newOfferSchema, offerPatchSchema, offerUpdateArgument, patchTerms, postOfferArgument, termsOf } from './offer-request';

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

  it("makes PostOffer's argument: the kind's terms with the tags, and the description only as its digest", () => {
    const argument = postOfferArgument('off-1', newOfferSchema.parse(dataOffer));
    expect(argument).toEqual({ offerId: 'off-1', kind: 'data', title: 'City air quality', terms: termsOf(newOfferSchema.parse(dataOffer)), descriptionDigest: descriptionDigest(dataOffer.description) });
    expect(JSON.stringify(argument)).not.toContain('street sensors');
  });

  it("makes UpdateOffer's argument: terms only when a term changes, the description as its digest, a field of the other kind a problem", () => {
    const terms = termsOf(newOfferSchema.parse(dataOffer));
    expect(offerUpdateArgument('off-1', 'data', terms, offerPatchSchema.parse({ title: 'Air' }))).toEqual({ argument: { offerId: 'off-1', title: 'Air' } });
    expect(offerUpdateArgument('off-1', 'data', terms, offerPatchSchema.parse({ description: 'new text' }))).toEqual({ argument: { offerId: 'off-1', descriptionDigest: descriptionDigest('new text') } });
    expect(offerUpdateArgument('off-1', 'data', terms, offerPatchSchema.parse({ tags: ['Sea'] }))).toEqual({ argument: { offerId: 'off-1', terms: { ...terms, tags: ['sea'] } } });
    expect(offerUpdateArgument('off-1', 'data', terms, offerPatchSchema.parse({ updateFrequency: 'daily' }))).toEqual({ argument: { offerId: 'off-1', terms: { ...terms, updateFrequency: 'daily' } } });
    expect(offerUpdateArgument('off-1', 'data', terms, offerPatchSchema.parse({ service: 'x' }))).toEqual({ problem: 'body.service: a data offer has no service' });
  });
});
