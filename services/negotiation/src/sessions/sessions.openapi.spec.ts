import type { OpenAPIObject } from '@nestjs/swagger';
import { addBodySchemas, zodBody } from '@datawell/service-platform';
import { acceptanceSchema, createSessionSchema, proposalSchema } from './proposal.schema';

/** The request bodies' OpenAPI schemas come from the zod schemas that validate them. */
describe('negotiation request bodies in OpenAPI', () => {
  const document = (): OpenAPIObject => {
    const doc: OpenAPIObject = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {} };
    for (const [path, body] of [
      ['/sessions', zodBody('CreateSession', createSessionSchema)],
      ['/sessions/{id}/proposals', zodBody('Proposal', proposalSchema)],
      ['/sessions/{id}/acceptances', zodBody('Acceptance', acceptanceSchema)],
    ] as const) {
      doc.paths[path] = { post: { responses: {}, requestBody: { content: { 'application/json': { schema: (body as { schema: object }).schema } } } } };
    }
    addBodySchemas(doc);
    return doc;
  };

  it('describes a proposal with the validation rules: required fields, β range, no extra fields', () => {
    const proposal = document().components?.schemas?.['Proposal'] as Record<string, unknown>;
    expect(proposal['required']).toEqual(expect.arrayContaining(['betaPpm', 'members', 'terms', 'infrastructure']));
    expect(proposal['additionalProperties']).toBe(false);
    const members = (proposal['properties'] as Record<string, Record<string, unknown>>)['members'];
    expect(members?.['minItems']).toBe(2);
    expect(members?.['description']).toBe('exactly the session parties');
  });

  it('describes both kinds of session and an acceptance with its base64 signature', () => {
    const schemas = document().components?.schemas ?? {};
    const kinds = JSON.stringify(schemas['CreateSession']);
    expect(kinds).toContain('formation');
    expect(kinds).toContain('join');
    const acceptance = schemas['Acceptance'] as { required: string[]; properties: Record<string, Record<string, unknown>> };
    expect(acceptance.required.sort()).toEqual(['certificatePem', 'revision', 'signature']);
    expect(acceptance.properties['signature']?.['pattern']).toBe('^[A-Za-z0-9+/]+={0,2}$');
  });
});
