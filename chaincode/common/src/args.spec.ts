import { ChaincodeError } from './errors';
import { amountSchema, idSchema, integerJsonSchema, parseArg, parseJsonArg, z } from './args';

describe('argument parsing', () => {
  it('parses JSON into a typed object', () => {
    const schema = z.strictObject({ id: idSchema, amount: amountSchema });
    expect(parseJsonArg(schema, '{"id":"r-1","amount":"1000000000000000000000"}', 'revenue')).toEqual({ id: 'r-1', amount: 10n ** 21n });
  });

  it('names the field and starts the message with INVALID_ARGUMENT', () => {
    const schema = z.strictObject({ id: idSchema, amount: amountSchema });
    expect(() => parseJsonArg(schema, '{"id":"r-1","amount":"1.5"}', 'revenue')).toThrow(/^INVALID_ARGUMENT: revenue\.amount: must be a whole number/);
    expect(() => parseJsonArg(schema, '{"id":"r 1","amount":"1"}', 'revenue')).toThrow(/^INVALID_ARGUMENT: revenue\.id: must be 1-128/);
    expect(() => parseJsonArg(schema, '{"id":"r","amount":"1","x":1}', 'revenue')).toThrow(/^INVALID_ARGUMENT: revenue/);
    expect(() => parseJsonArg(schema, 'not json', 'revenue')).toThrow('INVALID_ARGUMENT: revenue is not valid JSON');
    expect(() => parseArg(idSchema, '', 'offerId')).toThrow(ChaincodeError);
  });

  it('refuses negative and leading-zero amounts', () => {
    expect(() => parseArg(amountSchema, '-1', 'amount')).toThrow(/INVALID_ARGUMENT/);
    expect(() => parseArg(amountSchema, '007', 'amount')).toThrow(/INVALID_ARGUMENT/);
  });

  it('accepts integer-only JSON and refuses floats at any depth', () => {
    expect(parseArg(integerJsonSchema, { a: [1, 'x', { b: true, c: null }] } as unknown as string, 'spec')).toEqual({ a: [1, 'x', { b: true, c: null }] });
    expect(() => parseJsonArg(integerJsonSchema, '{"a":[1,{"b":0.5}]}', 'spec')).toThrow(/INVALID_ARGUMENT: spec/);
  });
});
