import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves out undefined properties', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever the insertion order of the keys', () => {
    const one = { amount: 10n, member: 'AMSP', nested: { x: true, y: null } };
    const two = { nested: { y: null, x: true }, member: 'AMSP', amount: 10n };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('writes bigints as decimal strings and escapes strings like JSON', () => {
    expect(canonicalJson({ n: 12345678901234567890n, s: 'a"b\n' })).toBe('{"n":"12345678901234567890","s":"a\\"b\\n"}');
  });

  it('refuses floating point, unsafe integers and unsupported types', () => {
    expect(() => canonicalJson({ a: 0.5 })).toThrow(/\$\.a = 0.5 is not a safe integer/);
    expect(() => canonicalJson([2 ** 60])).toThrow(/not a safe integer/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/unsupported type function/);
    expect(() => canonicalJson({ b: Buffer.from('x') })).toThrow(/binary/);
  });
});
