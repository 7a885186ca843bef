import { DatawellError, type ErrorKind } from '@datawell/domain';

/**
 * Why a reading could not be sealed or opened. Messages never carry a reading's value, a key or the
 * ciphertext: they name what was wrong.
 *   KEY_INVALID        a key that is not an X25519 key in an accepted form
 *   CONTEXT_INVALID    a context (owner, dataset, topic) with an empty or malformed field
 *   READING_INVALID    a reading that is not a JSON object, or is too large to seal
 *   NOT_SEALED         a message that is not a sealed reading (wrong type, content type or shape)
 *   OPEN_FAILED        a sealed reading this key and context cannot open: another recipient, another
 *                      context (replayed onto another dataset), or altered bytes
 */
export type SealedReadingErrorCode = 'KEY_INVALID' | 'CONTEXT_INVALID' | 'READING_INVALID' | 'NOT_SEALED' | 'OPEN_FAILED';

/** Every one is the caller's input (a key, a context, a message) that does not fit: 400 / INVALID_ARGUMENT at an edge. */
export class SealedReadingError extends DatawellError {
  override readonly name = 'SealedReadingError';
  constructor(
    readonly code: SealedReadingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return 'invalid';
  }
}
