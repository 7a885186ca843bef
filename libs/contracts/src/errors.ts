/** One field of a message that does not match its schema. */
export interface ContractIssue {
  readonly path: string;
  readonly problem: string;
}

import { DatawellError, type ErrorKind } from '@datawell/domain';

/** A message does not match its contract; `issues` names every bad field at once. */
export class ContractValidationError extends DatawellError {
  override readonly name = 'ContractValidationError';
  readonly code = 'CONTRACT_INVALID' as const;

  constructor(
    readonly contract: string,
    readonly issues: readonly ContractIssue[],
    options?: { cause?: unknown },
  ) {
    super(`invalid ${contract}: ${issues.map((i) => `${i.path || '(root)'}: ${i.problem}`).join('; ')}`, options);
  }

  get kind(): ErrorKind {
    return 'invalid';
  }

  override exposedDetails(): Record<string, unknown> {
    return { issues: this.issues };
  }
}
