import type { z } from 'zod';
import type { ConfigIssue } from './config-error';
import type { Environment } from './load-config';

/**
 * The variables one service reads beyond the common ones: their schemas (validated with the rest at
 * boot), checks across variables, and the typed settings built from the parsed values.
 */
export interface ServiceExtension<T> {
  readonly shape: Readonly<Record<string, z.ZodType>>;
  issues?(env: Environment): ConfigIssue[];
  build(values: Readonly<Record<string, unknown>>): T;
}

/** Helpers for extension schemas: blank means unset, defaults, integers in a range. */
export function blankToUndefined(v: unknown): unknown {
  return typeof v === 'string' && v.trim() === '' ? undefined : v;
}
