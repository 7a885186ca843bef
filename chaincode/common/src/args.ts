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

// The value schemas shared with the services (one definition, in @datawell/domain).
export { digestSchema, idSchema, integerJsonSchema, mspIdSchema, nonNegativeInt, positiveInt, ppmSchema, textSchema, type IntegerJson } from '@datawell/domain';

// An amount in minor units as a decimal string, parsed to a bigint: the ledger catalogue's.
export { amountSchema } from '@datawell/contracts';

export { z };
