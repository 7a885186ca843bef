import fc from 'fast-check';
import { EconomicsError } from './errors';
import {
  PPM,
  formatPpm,
  parseAmount,
  parseBetas,
  parseInteger,
  parseLevels,
  parsePositiveReal,
  parsePpm,
  parseShares,
  toAmount,
} from './ppm';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EconomicsError) return err.code;
    throw err;
  }
  throw new Error('expected an EconomicsError');
}

describe('parsePpm', () => {
  it.each([
    ['0.8', 800_000],
    ['0.75', 750_000],
    ['0.5', 500_000],
    ['0.000001', 1],
    ['0.999999', 999_999],
    [' 0.25 ', 250_000],
    ['00.5', 500_000],
  ])('reads %p as %p ppm', (text, ppm) => {
    expect(parsePpm(text, 'beta')).toBe(ppm);
  });

  it.each([
    ['1', 'RATIO_OUT_OF_RANGE'],
    ['0', 'RATIO_OUT_OF_RANGE'],
    ['0.0', 'RATIO_OUT_OF_RANGE'],
    ['1.5', 'RATIO_OUT_OF_RANGE'],
    ['-0.5', 'RATIO_OUT_OF_RANGE'],
    ['250', 'RATIO_OUT_OF_RANGE'],
    ['0.1234567', 'TOO_MANY_DECIMALS'],
    ['0.8000000', 'TOO_MANY_DECIMALS'],
    ['abc', 'MALFORMED_NUMBER'],
    ['', 'MALFORMED_NUMBER'],
    ['0.5e1', 'MALFORMED_NUMBER'],
    ['0,5', 'MALFORMED_NUMBER'],
    ['NaN', 'MALFORMED_NUMBER'],
  ])('refuses %p with %s', (text, code) => {
    expect(codeOf(() => parsePpm(text, 'beta'))).toBe(code);
  });

  it('allows 0 and 1 only when asked', () => {
    expect(parsePpm('1', 'target', { allowOne: true })).toBe(PPM);
    expect(parsePpm('0', 'x', { allowZero: true })).toBe(0);
    expect(codeOf(() => parsePpm('1.000001', 'target', { allowOne: true }))).toBe('RATIO_OUT_OF_RANGE');
  });

  it('names the field in the message and on the error', () => {
    try {
      parsePpm('1.2', 'betas[2]');
      throw new Error('unreachable');
    } catch (err) {
      expect(err).toBeInstanceOf(EconomicsError);
      const e = err as EconomicsError;
      expect(e.name).toBe('RatioOutOfRangeError');
      expect(e.field).toBe('betas[2]');
      expect(e.message).toBe('betas[2] = 1.2 is outside (0, 1)');
    }
  });

  it('round-trips with formatPpm for every ppm value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: PPM - 1 }), (ppm) => {
        const text = formatPpm(ppm);
        expect(text).toMatch(/^0\.\d{6}$/);
        expect(parsePpm(text, 'beta')).toBe(ppm);
      }),
    );
  });
});

describe('formatPpm', () => {
  it('always prints six places', () => {
    expect(formatPpm(800_000)).toBe('0.800000');
    expect(formatPpm(1)).toBe('0.000001');
    expect(formatPpm(PPM)).toBe('1.000000');
    expect(formatPpm(0)).toBe('0.000000');
  });
});

describe('parseBetas and parseShares', () => {
  it('reads the issue example', () => {
    expect(parseBetas('0.8,0.75,0.9')).toEqual([800_000, 750_000, 900_000]);
    expect(parseShares('0.5,0.3,0.2')).toEqual([500_000, 300_000, 200_000]);
  });

  it('names the offending β by its level', () => {
    expect(() => parseBetas('0.8,1.2')).toThrow('betas[2] = 1.2 is outside (0, 1)');
    expect(() => parseBetas('0.8,,0.9')).toThrow('not a comma-separated list');
  });

  it('requires shares to sum to exactly 1', () => {
    expect(codeOf(() => parseShares('0.5,0.3,0.1'))).toBe('SHARES_DO_NOT_SUM_TO_ONE');
    expect(codeOf(() => parseShares('0.5,0.3,0.200001'))).toBe('SHARES_DO_NOT_SUM_TO_ONE');
    expect(() => parseShares('0.5,0.3,0.1')).toThrow('shares sum to 0.900000, not 1');
    expect(codeOf(() => parseShares('1'))).toBe('SHARES_DO_NOT_SUM_TO_ONE');
  });

  it('refuses a zero share: a member with nothing would need β = 1', () => {
    expect(codeOf(() => parseShares('0.5,0,0.5'))).toBe('RATIO_OUT_OF_RANGE');
  });
});

describe('amounts', () => {
  it('reads whole minor units exactly, beyond 2^53', () => {
    expect(parseAmount('1000000')).toBe(1_000_000n);
    expect(parseAmount('0')).toBe(0n);
    expect(parseAmount('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
  });

  it.each(['-5', '1.5', '1e6', 'ten', ''])('refuses %p', (text) => {
    expect(codeOf(() => parseAmount(text))).toBe('INVALID_AMOUNT');
  });

  it('says "negative" for a negative total', () => {
    expect(() => parseAmount('-5')).toThrow('total = -5 is negative');
  });

  it('checks numbers and bigints', () => {
    expect(toAmount(5)).toBe(5n);
    expect(toAmount(5n)).toBe(5n);
    expect(codeOf(() => toAmount(-1))).toBe('INVALID_AMOUNT');
    expect(codeOf(() => toAmount(-1n))).toBe('INVALID_AMOUNT');
    expect(codeOf(() => toAmount(0.5))).toBe('INVALID_AMOUNT');
    expect(codeOf(() => toAmount(2 ** 60))).toBe('INVALID_AMOUNT');
  });
});

describe('integers, levels and reals', () => {
  it('reads integers within bounds', () => {
    expect(parseInteger('7', 'vsps', 1, 100)).toBe(7);
    expect(codeOf(() => parseInteger('0', 'vsps', 1, 100))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => parseInteger('1.5', 'vsps', 1, 100))).toBe('MALFORMED_NUMBER');
  });

  it('reads level lists', () => {
    expect(parseLevels('2')).toEqual([2]);
    expect(parseLevels('1, 3')).toEqual([1, 3]);
    expect(codeOf(() => parseLevels('0'))).toBe('INVALID_PARAMETER');
  });

  it('reads a positive α', () => {
    expect(parsePositiveReal('1.161', 'alpha')).toBeCloseTo(1.161, 12);
    expect(codeOf(() => parsePositiveReal('0', 'alpha'))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => parsePositiveReal('-1', 'alpha'))).toBe('MALFORMED_NUMBER');
  });
});
