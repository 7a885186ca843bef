import type { OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import { addBodySchemas, zodBody, zodResponse } from './openapi-body';

const json: z.ZodType<unknown> = z.lazy(() => z.union([z.number().int(), z.null(), z.array(json)])).meta({ id: 'SpecJson' });
const tree: z.ZodType<unknown> = z.lazy(() => z.strictObject({ children: z.array(tree) }));
const body = z.strictObject({
  name: z.string().trim().min(1).describe('who'),
  tags: z.array(z.string()).transform((t) => [...new Set(t)]).optional(),
  when: z.enum(['now', 'later']).default('now'),
  data: json,
  tree,
}).refine((b) => b.name !== 'x', 'not x');

const documentFor = (...refs: string[]): OpenAPIObject => ({
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: Object.fromEntries(refs.map((ref) => [`/${ref}`, { post: { responses: {}, requestBody: { content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } } } }])),
  components: { schemas: { ErrorDto: { type: 'object' } } },
});

describe('zodBody', () => {
  it('refers to a named component and describes what a client may send (the input: defaults optional, no refinement)', () => {
    expect(zodBody('SpecBody', body, 'a body')).toEqual({ schema: { $ref: '#/components/schemas/SpecBody' }, description: 'a body' });
    const document = documentFor('SpecBody');
    addBodySchemas(document);
    const schemas = document.components!.schemas!;
    expect(schemas['ErrorDto']).toEqual({ type: 'object' });
    expect(schemas['SpecBody']).toMatchObject({
      type: 'object',
      required: ['name', 'data', 'tree'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, description: 'who' },
        tags: { type: 'array', items: { type: 'string' } },
        when: { type: 'string', enum: ['now', 'later'], default: 'now' },
        data: { $ref: '#/components/schemas/SpecJson' },
        tree: { $ref: '#/components/schemas/SpecBody.schema0' },
      },
    });
    // Recursive parts become components: a zod id keeps its name, an anonymous part is named after the body.
    expect(JSON.stringify(schemas['SpecJson'])).toContain('"$ref":"#/components/schemas/SpecJson"');
    expect(JSON.stringify(schemas['SpecBody.schema0'])).toContain('"$ref":"#/components/schemas/SpecBody.schema0"');
    expect(JSON.stringify(schemas)).not.toContain('definitions');
    expect(JSON.stringify(schemas)).not.toContain('$schema');
  });

  it('adds only the bodies a document refers to', () => {
    zodBody('SpecOther', z.strictObject({ n: z.number() }));
    const document = documentFor('SpecOther');
    addBodySchemas(document);
    expect(Object.keys(document.components!.schemas!).sort()).toEqual(['ErrorDto', 'SpecOther']);
    expect(document.components!.schemas!['SpecOther']).toEqual({ type: 'object', properties: { n: { type: 'number' } }, required: ['n'], additionalProperties: false });
  });

  it('refuses two different bodies under one name, and a body whose name a response already uses differently', () => {
    const schema = z.strictObject({ a: z.string() });
    zodBody('SpecOnce', schema);
    expect(() => zodBody('SpecOnce', schema)).not.toThrow();
    expect(() => zodBody('SpecOnce', z.strictObject({ b: z.string() }))).toThrow('two request bodies are named SpecOnce');
    zodBody('ErrorDto', z.strictObject({ c: z.string() }));
    expect(() => addBodySchemas(documentFor('ErrorDto'))).toThrow('two different OpenAPI schemas are named ErrorDto');
  });
});

describe('zodResponse', () => {
  it('refers to a named component describing what the route sends (the output: defaults present, so required)', () => {
    const sent = z.strictObject({ id: z.string(), when: z.enum(['now', 'later']).default('now'), note: z.string().nullable() });
    expect(zodResponse('SpecSent', sent, 'what is sent')).toEqual({ schema: { $ref: '#/components/schemas/SpecSent' }, description: 'what is sent' });
    const document = documentFor('SpecSent');
    addBodySchemas(document);
    expect(document.components!.schemas!['SpecSent']).toMatchObject({ type: 'object', required: ['id', 'when', 'note'], properties: { note: { type: 'string', nullable: true } } });
    expect(() => zodResponse('SpecSent', z.strictObject({ other: z.string() }))).toThrow('zodResponse: two schemas are named SpecSent');
  });
});
