import {
  InvalidAmountError,
  InvalidParameterError,
  MalformedNumberError,
  RatioOutOfRangeError,
  SharesSumError,
  TooManyDecimalsError,
} from './errors';

/** One whole in parts per million: ratios (β, shares) are integers in 0…PPM. */
export const PPM = 1_000_000;
export const PPM_BIG = 1_000_000n;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const NEGATIVE_DECIMAL = /^-\s*\d+(?:\.\d+)?$/;

/**
 * Parses a decimal such as `0.75` into parts per million, exactly (no floating point), allowing at
 * most six decimals. `bounds` says whether 0 and 1 themselves are allowed; a β must be strictly
 * inside (0, 1).
 */
export function parsePpm(text: string, field: string, bounds: { allowZero?: boolean; allowOne?: boolean } = {}): number {
  const trimmed = text.trim();
  const m = DECIMAL.exec(trimmed);
  if (!m && NEGATIVE_DECIMAL.test(trimmed)) {
    throw new RatioOutOfRangeError(field, `${field} = ${trimmed} is negative; it must lie in ${interval(bounds)}`);
  }
  if (!m) throw new MalformedNumberError(field, `${field} = "${text}" is not a decimal number`);
  const whole = m[1] ?? '';
  const frac = m[2] ?? '';
  if (frac.length > 6) {
    throw new TooManyDecimalsError(field, `${field} = ${trimmed} has more than 6 decimals (ratios are in parts per million)`);
  }
  // Leading zeros are harmless; a long whole part is out of range anyway, so cap before Number().
  const wholeDigits = whole.replace(/^0+(?=\d)/, '');
  const ppm = wholeDigits.length > 2 ? Number.POSITIVE_INFINITY : Number(wholeDigits) * PPM + Number(frac.padEnd(6, '0'));
  const low = bounds.allowZero ? 0 : 1;
  const high = bounds.allowOne ? PPM : PPM - 1;
  if (!(ppm >= low && ppm <= high)) {
    throw new RatioOutOfRangeError(field, `${field} = ${trimmed} is outside ${interval(bounds)}`);
  }
  return ppm;
}

function interval(bounds: { allowZero?: boolean; allowOne?: boolean }): string {
  return `${bounds.allowZero ? '[' : '('}0, 1${bounds.allowOne ? ']' : ')'}`;
}

/** Formats parts per million as a decimal with exactly six places: 800000 → `0.800000`. */
export function formatPpm(ppm: number): string {
  const whole = Math.trunc(ppm / PPM);
  const frac = String(ppm - whole * PPM).padStart(6, '0');
  return `${whole}.${frac}`;
}

function splitList(text: string, field: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) {
    throw new MalformedNumberError(field, `${field} = "${text}" is not a comma-separated list of numbers`);
  }
  return items;
}

/** Parses `0.8,0.75,0.9` into β's in ppm, each strictly inside (0, 1); β_1 comes first. */
export function parseBetas(text: string, field = 'betas'): number[] {
  return splitList(text, field).map((s, i) => parsePpm(s, `${field}[${i + 1}]`));
}

/**
 * Parses an ownership vector `0.5,0.3,0.2` (DSP first, then VSP_1…VSP_n) into ppm. Every share
 * must be strictly positive (a member with nothing would need β = 1) and they must sum to exactly 1.
 */
export function parseShares(text: string, field = 'shares'): number[] {
  const items = splitList(text, field);
  if (items.length < 2) {
    throw new SharesSumError(field, `${field} needs the DSP's share and at least one VSP's share`);
  }
  const shares = items.map((s, i) => parsePpm(s, `${field}[${i === 0 ? 'DSP' : i}]`));
  const sum = shares.reduce((a, b) => a + b, 0);
  if (sum !== PPM) {
    throw new SharesSumError(field, `${field} sum to ${formatPpm(sum)}, not 1`);
  }
  return shares;
}

/** Parses a non-negative integer amount in minor units, exactly, as a bigint. */
export function parseAmount(text: string, field = 'total'): bigint {
  const trimmed = text.trim();
  if (/^-\s*\d+$/.test(trimmed)) throw new InvalidAmountError(field, `${field} = ${trimmed} is negative`);
  if (!/^\d+$/.test(trimmed)) {
    throw new InvalidAmountError(field, `${field} = "${text}" is not a whole number of minor units`);
  }
  return BigInt(trimmed);
}

/** Checks an amount given as a number or bigint: a non-negative (safe) integer. */
export function toAmount(value: bigint | number, field = 'total'): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new InvalidAmountError(field, `${field} = ${value} is negative`);
    return value;
  }
  if (!Number.isSafeInteger(value)) {
    throw new InvalidAmountError(field, `${field} = ${value} is not a safe integer; pass a bigint`);
  }
  if (value < 0) throw new InvalidAmountError(field, `${field} = ${value} is negative`);
  return BigInt(value);
}

/** Parses a whole number within [min, max] (VSP count, trials, seed, a level number). */
export function parseInteger(text: string, field: string, min: number, max: number): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new MalformedNumberError(field, `${field} = "${text}" is not a whole number`);
  const value = Number(trimmed);
  if (!(value >= min && value <= max)) {
    throw new InvalidParameterError(field, `${field} = ${trimmed} is outside [${min}, ${max}]`);
  }
  return value;
}

/** Parses a comma-separated list of VSP levels such as `2` or `1,3` (1-based). */
export function parseLevels(text: string, field = 'ended'): number[] {
  return splitList(text, field).map((s) => parseInteger(s, field, 1, Number.MAX_SAFE_INTEGER));
}

/** Parses a strictly positive finite decimal (the Pareto shape α). */
export function parsePositiveReal(text: string, field: string): number {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) throw new MalformedNumberError(field, `${field} = "${text}" is not a decimal number`);
  const value = Number(trimmed);
  if (!(value > 0 && Number.isFinite(value))) {
    throw new InvalidParameterError(field, `${field} = ${trimmed} must be a positive number`);
  }
  return value;
}
