/** Bad input from the command line: reported as one line on stderr with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}
