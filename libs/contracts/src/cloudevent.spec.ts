import { z } from 'zod';
import { buildCloudEvent, decodeCloudEvent, parseCloudEvent, peekCloudEvent } from './cloudevent';
import { ContractValidationError } from './errors';

const data = z.object({ n: z.number() });

describe('CloudEvents envelope', () => {
  it('builds a 1.0 JSON envelope with the given id, type and time', () => {
    const event = buildCloudEvent({ id: 'e1', source: 'urn:x', type: 't.v1', subject: 's', time: '2026-01-02T03:04:05Z', data: { n: 1 } });
    expect(event).toEqual({
      specversion: '1.0',
      id: 'e1',
      source: 'urn:x',
      type: 't.v1',
      subject: 's',
      time: '2026-01-02T03:04:05.000Z',
      datacontenttype: 'application/json',
      data: { n: 1 },
    });
  });

  it('refuses to build an envelope without an id', () => {
    expect(() => buildCloudEvent({ id: '', source: 'urn:x', type: 't', data: {} })).toThrow(ContractValidationError);
  });

  it('round-trips through JSON and validates the data', () => {
    const event = buildCloudEvent({ id: 'e1', source: 'urn:x', type: 't.v1', data: { n: 2 } });
    const parsed = decodeCloudEvent(Buffer.from(JSON.stringify(event)), 't.v1', data);
    expect(parsed.data.n).toBe(2);
  });

  it('names every bad field: wrong specversion, wrong type, bad data', () => {
    const bad = { specversion: '0.3', id: 'x', source: 'urn:x', type: 'other', time: 'yesterday', datacontenttype: 'application/json', data: {} };
    try {
      parseCloudEvent(bad, 't.v1', data);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(ContractValidationError);
      const paths = (error as ContractValidationError).issues.map((i) => i.path).sort();
      expect(paths).toEqual(['specversion', 'time', 'type']);
    }
    const good = buildCloudEvent({ id: 'e', source: 'urn:x', type: 't.v1', data: { n: 'one' } });
    expect(() => parseCloudEvent(good, 't.v1', data)).toThrow(/invalid t\.v1: n:/);
  });

  it('rejects a message that is not JSON with a contract error', () => {
    expect(() => decodeCloudEvent(Buffer.from('{nope'), 't.v1', data)).toThrow(ContractValidationError);
    expect(() => decodeCloudEvent(null, 't.v1', data)).toThrow(ContractValidationError);
  });

  it('peeks at the id and data of an invalid message without throwing', () => {
    const peeked = peekCloudEvent(Buffer.from(JSON.stringify({ id: 'e9', data: { commandId: 'c1', n: 3, empty: '' } })));
    expect(peeked.id).toBe('e9');
    expect(peeked.data).toEqual({ commandId: 'c1', n: 3, empty: '' });
    expect(peeked.text('commandId')).toBe('c1');
    expect(peeked.text('n')).toBeUndefined();
    expect(peeked.text('empty')).toBeUndefined();
    for (const value of [null, 'not json', '"a string"', JSON.stringify({ id: '', data: 'x' })]) {
      const nothing = peekCloudEvent(value);
      expect(nothing.id).toBeUndefined();
      expect(nothing.data).toEqual({});
    }
  });
});
