import type { z } from 'zod';
import { ContractValidationError } from './errors';

/** Parses `value` with `schema` or throws a ContractValidationError naming every issue. */
export function parseContract<S extends z.ZodType>(contract: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ContractValidationError(
    contract,
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), problem: issue.message })),
  );
}
