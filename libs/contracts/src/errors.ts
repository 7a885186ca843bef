/** One field of a message that does not match its schema. */
export interface ContractIssue {
  readonly path: string;
  readonly problem: string;
}

/** A message does not match its contract; `issues` names every bad field at once. */
export class ContractValidationError extends Error {
  override readonly name = 'ContractValidationError';
  readonly code = 'CONTRACT_INVALID' as const;

  constructor(
    readonly contract: string,
    readonly issues: readonly ContractIssue[],
    options?: { cause?: unknown },
  ) {
    super(`invalid ${contract}: ${issues.map((i) => `${i.path || '(root)'}: ${i.problem}`).join('; ')}`, options);
  }
}
