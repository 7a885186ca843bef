import { randomBytes } from 'node:crypto';
import { kraftClusterId } from './kafka';

describe('KRaft cluster id', () => {
  it('is 22 base64url characters and never starts with "-" (kafka-storage would take it for an option)', () => {
    for (let i = 0; i < 5000; i++) {
      const id = kraftClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });

  it('draws again when the bytes encode to a leading "-"', () => {
    const draws = [Buffer.from([0xf8, ...randomBytes(15)]), Buffer.from([0x04, ...randomBytes(15)])];
    expect(draws[0]!.toString('base64url').startsWith('-')).toBe(true);
    let calls = 0;
    const id = kraftClusterId(() => draws[calls++]!);
    expect(calls).toBe(2);
    expect(id).toBe(draws[1]!.toString('base64url'));
  });
});
