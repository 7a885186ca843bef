import { DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/contracts';
import { z } from 'zod';
import { invalidRequest } from './errors';

/** Parses request input with a zod schema; the first problems become one INVALID_REQUEST naming the fields. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${[what, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw invalidRequest(problems.join('; '));
}

/** MSP_ID_PATTERN as an OpenAPI pattern. */
export const MSP_ID_SCHEMA_PATTERN = MSP_ID_PATTERN.source;
export const mspIdSchema = z.string().regex(MSP_ID_PATTERN, 'must be an MSP id: letters and digits ending in "MSP"');
export const enrollmentIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_", "@" or "-"');
export const csrPemSchema = z
  .string()
  .max(8192, 'must be at most 8 KiB')
  .regex(/^-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----\s*$/, 'must be a PEM certificate request')
  .describe('PEM certificate request made where the private key lives');
export const daoIdSchema = z.string().regex(DAO_ID_PATTERN, 'must be 1-41 lower-case letters, digits or "-"');
export const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');
export const textSchema = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** JSON the ledger may hold: integers only (an offer's terms are validated by @datawell/contracts' offer-request). */
export type { IntegerJson } from '@datawell/contracts';
