import { DealerNotAllowedError } from '../errors';

export type PreprocessingSource = 'mascot' | 'dealer';

export interface PreprocessingPolicy {
  readonly source: PreprocessingSource;
  /** Production configuration: only the actively secure offline phase is accepted. */
  readonly production?: boolean;
}

/**
 * The trusted dealer sees every secret, so it is refused whenever the configuration says production
 * or NODE_ENV is 'production' (CONVENTIONS.md §8: the caller passes NODE_ENV in from its config).
 */
export function assertPreprocessingAllowed(policy: PreprocessingPolicy, nodeEnv?: string): void {
  if (policy.source === 'dealer' && (policy.production === true || nodeEnv === 'production')) {
    throw new DealerNotAllowedError(
      'the trusted-dealer preprocessing exists for unit tests only; production requires the MASCOT offline phase',
    );
  }
}
