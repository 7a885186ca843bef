/** One variable that is missing or malformed, with what was wrong about it. */
export interface ConfigIssue {
  readonly variable: string;
  readonly problem: string;
}

/**
 * The environment does not describe a runnable service. The message lists every issue at once so an
 * operator fixes the environment in one pass instead of one restart per variable.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID' as const;

  constructor(
    readonly service: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid configuration for ${service}: ` + issues.map((i) => `${i.variable}: ${i.problem}`).join('; '),
    );
  }
}
