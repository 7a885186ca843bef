import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** A parameter's JSON Schema (OpenAPI 3.0) from the zod schema that validates it: what a client may send. */
function parameterSchema(schema: z.ZodType, what: string): JsonSchema {
  const { $schema: _, definitions, ...root } = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as JsonSchema & { definitions?: object };
  if (definitions && Object.keys(definitions).length > 0) throw new Error(`${what}: a parameter's schema cannot have definitions`);
  return root;
}

/**
 * The OpenAPI description of path parameters, generated from the zod schemas that validate them, so
 * the document says what the service accepts (a pattern, a range): `@ZodParams({ daoId: daoIdSchema })`.
 * Each schema's `.describe()` becomes the parameter's description.
 */
export function ZodParams(params: Readonly<Record<string, z.ZodType>>): MethodDecorator {
  return applyDecorators(
    ...Object.entries(params).map(([name, schema]) =>
      ApiParam({ name, required: true, schema: parameterSchema(schema, `path parameter ${name}`) as never, ...(schema.description ? { description: schema.description } : {}) }),
    ),
  );
}

/**
 * The OpenAPI description of a query string, generated from the zod object that validates it: one
 * query parameter per field, optional when the field may be left out (optional or with a default).
 * Query values are strings: a field parsed with z.coerce is described by its target type.
 */
export function ZodQuery(schema: z.ZodObject): MethodDecorator {
  const required = new Set(((parameterSchema(schema, 'query') as { required?: string[] }).required ?? []) as string[]);
  return applyDecorators(
    ...Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) =>
      ApiQuery({ name, required: required.has(name), schema: parameterSchema(field, `query parameter ${name}`) as never, ...(field.description ? { description: field.description } : {}) }),
    ),
  );
}
