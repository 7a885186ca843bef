import type { Offer } from '../api/client';
import { newOfferOf, patchOf, valuesOf } from './offer-values';

const offer: Offer = {
  offerId: 'o1',
  owner: { mspId: 'DspMSP', role: 'DSP', name: 'Harbour', suspended: false, reputation: { count: 0, sum: 0, abandonments: 0, scoreMilli: 3000, score: 3, weight: 0, halfLifeDays: 180, updatedAtMs: 0 } },
  kind: 'data',
  title: 'Harbour water',
  description: 'Buoys',
  tags: ['water', 'iot'],
  terms: { tags: ['water', 'iot'], schema: { salinity: 'int' }, updateFrequency: 'every minute', source: { type: 'iot-stream', topic: 'dsp.readings' } },
  descriptionDigest: 'x',
  status: 'open',
  revision: 1,
  createdAt: '',
  updatedAt: '',
};

describe('offer form values', () => {
  it('builds a data offer and a value offer as POST /offers takes them', () => {
    expect(newOfferOf('data', { ...valuesOf(), title: ' T ', description: 'D', tags: 'Water, iot,water', schema: '{"a":"int"}', updateFrequency: 'hourly', sourceType: 'iot-stream', topic: 'dsp.t' })).toEqual({
      kind: 'data',
      title: 'T',
      description: 'D',
      tags: ['water', 'iot'],
      schema: { a: 'int' },
      updateFrequency: 'hourly',
      source: { type: 'iot-stream', topic: 'dsp.t' },
    });
    expect(newOfferOf('value', { ...valuesOf(), title: 'F', description: 'D', service: 'forecasting', computations: 'mean, variance', infrastructure: '{"cpu":2}' })).toEqual({
      kind: 'value',
      title: 'F',
      description: 'D',
      tags: [],
      service: 'forecasting',
      computations: ['mean', 'variance'],
      infrastructure: { cpu: 2 },
    });
    expect(newOfferOf('data', { ...valuesOf(), schema: 'rows of readings', sourceType: 'file' })).toMatchObject({ schema: 'rows of readings', source: { type: 'file' } });
  });

  it('patches only what changed', () => {
    const unchanged = valuesOf(offer);
    expect(patchOf(offer, unchanged)).toEqual({});
    expect(patchOf(offer, { ...unchanged, description: 'Buoys and oxygen', tags: 'water, iot, oxygen' })).toEqual({ description: 'Buoys and oxygen', tags: ['water', 'iot', 'oxygen'] });
    expect(patchOf(offer, { ...unchanged, topic: 'dsp.other' })).toEqual({ source: { type: 'iot-stream', topic: 'dsp.other' } });
  });
});
