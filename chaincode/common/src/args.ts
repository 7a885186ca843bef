import { z } from 'zod';
import { invalidArgument } from './errors';

/**
 * Parses a transaction argument (always a string on the wire) into a typed value: JSON first when
 * `json` is set, then the schema. Every failure is an INVALID_ARGUMENT naming the field.
 */
export function parseArg<S extends z.ZodType>(schema: S, text: string, name: string, options: { json?: boolean } = {}): z.output<S> {
  let raw: unknown = text;
  if (options.json) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw invalidArgument(`${name} is not valid JSON`);
    }
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${name}.${issue.path.map(String).join('.')}` : name;
    throw invalidArgument(`${where}: ${issue?.message ?? 'invalid value'}`);
  }
  return result.data;
}

/** Parses a JSON argument. */
export const parseJsonArg = <S extends z.ZodType>(schema: S, text: string, name: string): z.output<S> => parseArg(schema, text, name, { json: true });

/** An identifier chosen by the client (offer, revenue, proposal, workload, job). */
export const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');

/** An MSP id as Datawell names them. */
export const mspIdSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,40}MSP$/, 'must be an MSP id: letters and digits ending in "MSP"');

/** Free text of bounded size (names, titles, reasons). */
export const textSchema = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** A SHA-256 digest as 64 lower-case hex digits (content kept off-chain). */
export const digestSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest (64 lower-case hex digits)');

/** A non-negative safe integer (seconds, counters, sequence numbers). */
export const nonNegativeInt = z.number().int('must be an integer').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER, 'is too large');
export const positiveInt = z.number().int('must be an integer').min(1, 'must be at least 1').max(Number.MAX_SAFE_INTEGER, 'is too large');

/** A ratio in parts per million, 0…10^6 inclusive. */
export const ppmSchema = z.number().int('must be an integer number of ppm').min(0, 'must be at least 0 ppm').max(1_000_000, 'must be at most 10^6 ppm');

/** An amount in minor units, as a decimal string (JSON numbers lose precision past 2^53). */
export const amountSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,29})$/, 'must be a whole number of minor units as a decimal string without leading zeros')
  .transform((s) => BigInt(s));

/** JSON that the ledger may hold: no floating point anywhere. */
export type IntegerJson = string | number | boolean | null | IntegerJson[] | { [key: string]: IntegerJson };
export const integerJsonSchema: z.ZodType<IntegerJson> = z.lazy(() =>
  z.union([
    z.string().max(4096),
    z.number().int('numbers on the ledger must be integers').min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
    z.boolean(),
    z.null(),
    z.array(integerJsonSchema).max(1024),
    z.record(z.string().max(128), integerJsonSchema),
  ]),
);

export { z };
