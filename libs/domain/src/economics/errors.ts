/**
 * Errors of the economics rules. Each has a stable `code` so that the edges (CLI, HTTP, chaincode)
 * can map them without parsing messages, and `field` naming the input that was wrong.
 */
export type EconomicsErrorCode =
  | 'MALFORMED_NUMBER'
  | 'TOO_MANY_DECIMALS'
  | 'RATIO_OUT_OF_RANGE'
  | 'SHARES_DO_NOT_SUM_TO_ONE'
  | 'INVALID_SHARE'
  | 'SHARE_NOT_REPRESENTABLE'
  | 'INVALID_AMOUNT'
  | 'INVALID_WEIGHTS'
  | 'INVALID_MEMBER'
  | 'INVALID_PARAMETER';

import { DatawellError, type ErrorKind } from '../error';

export abstract class EconomicsError extends DatawellError {
  abstract override readonly name: string;
  abstract override readonly code: EconomicsErrorCode;
  /** The input that was wrong, e.g. `betas[2]` or `total`. */
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.field = field;
  }

  /** Every economics rule rejects an input. */
  override get kind(): ErrorKind {
    return 'invalid';
  }

  override exposedDetails(): Record<string, unknown> {
    return { field: this.field };
  }
}

/** Text that is not a plain decimal number (`0.75`, `12`). */
export class MalformedNumberError extends EconomicsError {
  override readonly name = 'MalformedNumberError';
  readonly code = 'MALFORMED_NUMBER';
}

/** A ratio with more than six decimals: ratios are kept in parts per million. */
export class TooManyDecimalsError extends EconomicsError {
  override readonly name = 'TooManyDecimalsError';
  readonly code = 'TOO_MANY_DECIMALS';
}

/** A ratio (β, share, low/high, target) outside its allowed interval. */
export class RatioOutOfRangeError extends EconomicsError {
  override readonly name = 'RatioOutOfRangeError';
  readonly code = 'RATIO_OUT_OF_RANGE';
}

/** An ownership vector whose entries do not add up to exactly 1. */
export class SharesSumError extends EconomicsError {
  override readonly name = 'SharesSumError';
  readonly code = 'SHARES_DO_NOT_SUM_TO_ONE';
}

/** A share that is not a positive finite number, or too few shares. */
export class InvalidShareError extends EconomicsError {
  override readonly name = 'InvalidShareError';
  readonly code = 'INVALID_SHARE';
}

/** A share so small next to its DAO that its β would round to 1 (or the DSP's, to 0). */
export class ShareNotRepresentableError extends EconomicsError {
  override readonly name = 'ShareNotRepresentableError';
  readonly code = 'SHARE_NOT_REPRESENTABLE';
}

/** An amount that is negative, fractional or not a number. */
export class InvalidAmountError extends EconomicsError {
  override readonly name = 'InvalidAmountError';
  readonly code = 'INVALID_AMOUNT';
}

/** A group's weights that are not positive integers. */
export class InvalidWeightsError extends EconomicsError {
  override readonly name = 'InvalidWeightsError';
  readonly code = 'INVALID_WEIGHTS';
}

/** A reference to a member (VSP level) that the DAO does not have. */
export class InvalidMemberError extends EconomicsError {
  override readonly name = 'InvalidMemberError';
  readonly code = 'INVALID_MEMBER';
}

/** A simulation parameter out of range (trials, VSP count, α, seed). */
export class InvalidParameterError extends EconomicsError {
  override readonly name = 'InvalidParameterError';
  readonly code = 'INVALID_PARAMETER';
}
