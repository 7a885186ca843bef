import { createHash } from 'node:crypto';
import { parametersDigest } from './mpc-result';

describe('parametersDigest', () => {
  it('is SHA-256 of the sorted-key JSON of the columns (in order) and fractional bits, whatever else the object holds', () => {
    const expected = createHash('sha256').update('{"columns":["y","x"],"fractionalBits":16}').digest('hex');
    expect(parametersDigest({ fractionalBits: 16, columns: ['y', 'x'] })).toBe(expected);
    expect(parametersDigest({ columns: ['y', 'x'], fractionalBits: 16, extra: 1 } as { columns: string[]; fractionalBits: number })).toBe(expected);
    expect(parametersDigest({ columns: ['x', 'y'], fractionalBits: 16 })).not.toBe(expected);
    expect(parametersDigest({ columns: ['y', 'x'], fractionalBits: 12 })).not.toBe(expected);
  });
});
