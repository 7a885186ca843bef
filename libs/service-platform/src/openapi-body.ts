import type { ApiBodyOptions } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

/** Every request body and response described with zodBody or zodResponse in this process: component name → its schemas. */
const bodies = new Map<string, { schema: z.ZodType; components: Record<string, JsonSchema> }>();

/**
 * The OpenAPI description of a request body, generated from the zod schema that validates it, so a
 * body is described once: `@ApiBody(zodBody('NewOffer', newOfferSchema))`. The body becomes the named
 * component `name` (typed clients keep a stable name); what the client may send is the schema's input
 * (defaults make a field optional, transforms are not applied), written for OpenAPI 3.0, which
 * @nestjs/swagger emits. Refinements have no JSON Schema: validation stays with zod, and its errors.
 */
export function zodBody(name: string, schema: z.ZodType, description?: string): ApiBodyOptions {
  register('zodBody: two request bodies', name, schema, 'input');
  return { schema: { $ref: `${COMPONENTS}${name}` }, ...(description ? { description } : {}) };
}

/**
 * The OpenAPI description of a response from a zod schema of what the route returns, so that a
 * typed client gets its shape: `@ApiOkResponse(zodResponse('SessionView', sessionViewSchema))`. The
 * response becomes the named component `name`, written from the schema's output (what is sent).
 * The service's own return type should be tied to the schema (the type check then fails when they part).
 */
export function zodResponse(name: string, schema: z.ZodType, description?: string): { schema: { $ref: string }; description?: string } {
  register('zodResponse: two schemas', name, schema, 'output');
  return { schema: { $ref: `${COMPONENTS}${name}` }, ...(description ? { description } : {}) };
}

function register(refusal: string, name: string, schema: z.ZodType, io: 'input' | 'output'): void {
  const known = bodies.get(name);
  if (known && known.schema !== schema) throw new Error(`${refusal} are named ${name}`);
  if (!known) bodies.set(name, { schema, components: toComponents(name, schema, io) });
}

/**
 * Adds to a document the components of the request bodies it refers to (createServiceApp calls it;
 * the bodies of other services loaded in the same process, as in tests, stay out).
 */
export function addBodySchemas(document: OpenAPIObject): void {
  const used = new Set<string>();
  collectRefs(document.paths, used);
  const schemas = (document.components ??= {}).schemas ?? {};
  for (const name of [...used].sort()) {
    for (const [key, value] of Object.entries(bodies.get(name)?.components ?? {})) {
      const existing = schemas[key];
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) {
        throw new Error(`addBodySchemas: two different OpenAPI schemas are named ${key}`);
      }
      schemas[key] = value as (typeof schemas)[string];
    }
  }
  document.components.schemas = schemas;
}

/**
 * The body's schema and its definitions (recursive or shared parts) as components: a part with a zod
 * `id` (`.meta({ id })`) keeps it as its name, an anonymous one is named after the body.
 */
function toComponents(name: string, schema: z.ZodType, io: 'input' | 'output'): Record<string, JsonSchema> {
  const { definitions = {}, ...root } = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema & {
    definitions?: Record<string, JsonSchema>;
  };
  const names = new Map(Object.keys(definitions).map((key) => [key, key.startsWith('__') ? `${name}.${key.replace(/^_+/, '')}` : key]));
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/') ? `${COMPONENTS}${names.get(v.slice(14)) ?? v.slice(14)}` : rewrite(v)]),
    );
  };
  delete root['$schema'];
  const components: Record<string, JsonSchema> = { [name]: rewrite(root) as JsonSchema };
  for (const [key, definition] of Object.entries(definitions)) components[names.get(key)!] = rewrite(definition) as JsonSchema;
  return components;
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) return value.forEach((v) => collectRefs(v, into));
  if (!value || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string' && v.startsWith(COMPONENTS)) into.add(v.slice(COMPONENTS.length));
    else collectRefs(v, into);
  }
}

/** `T` with every `readonly` removed, deeply (zod's outputs are mutable; the services' types are not). */
type Writable<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends ReadonlyArray<infer U>
    ? Array<Writable<U>>
    : T extends object
      ? { -readonly [K in keyof T]: Writable<T[K]> }
      : T;

/**
 * Compiles to `true` only when A and B describe the same values: ties a zodResponse schema to the
 * service's own return type (`true satisfies SameShape<z.output<typeof schema>, View>`).
 */
export type SameShape<A, B> = [Writable<A>] extends [Writable<B>] ? ([Writable<B>] extends [Writable<A>] ? true : never) : never;
