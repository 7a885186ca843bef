import { prgBytes, prgField, prgStream } from './prg';
import { vfromRandomWords } from '../field/vector';

describe('PRG streams', () => {
  const seed = new Uint8Array(32).fill(7);

  it('reads the stream of prgBytes in pieces of any size, small and larger than one buffer', () => {
    const sizes = [0, 1, 7, 8, 65_535, 65_536, 65_537, 200_000, 3];
    const total = sizes.reduce((a, b) => a + b, 0);
    const next = prgStream(seed, 'label');
    const pieces = Buffer.concat(sizes.map((k) => {
      const b = next(k);
      expect(b.length).toBe(k);
      return b;
    }));
    expect(pieces.equals(prgBytes(seed, 'label', total))).toBe(true);
    expect(next(16).equals(prgBytes(seed, 'label', total + 16).subarray(total))).toBe(true);
    expect(prgStream(seed, 'other')(64).equals(pieces.subarray(0, 64))).toBe(false);
  });

  it('gives prgField\'s coefficients when its words are reduced', () => {
    const words = prgStream(seed, 'coefficients')(80 * 8);
    const field = prgField(seed, 'coefficients', 80);
    expect(vfromRandomWords(new BigUint64Array(words.buffer.slice(words.byteOffset, words.byteOffset + 640)))).toEqual(field);
  });
});
