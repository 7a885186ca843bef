import type { OpenAPIObject } from '@nestjs/swagger';
import { addBodySchemas, zodBody } from '@datawell/service-platform';
import { acceptanceSchema, createSessionSchema, signedProposalSchema } from './proposal.schema';

/** The request bodies' OpenAPI schemas come from the zod schemas that validate them. */
describe('negotiation request bodies in OpenAPI', () => {
  const document = (): OpenAPIObject => {
    const doc: OpenAPIObject = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {} };
    for (const [path, body] of [
      ['/sessions', zodBody('CreateSession', createSessionSchema)],
      ['/sessions/{id}/proposals', zodBody('SignedProposal', signedProposalSchema)],
      ['/sessions/{id}/acceptances', zodBody('Acceptance', acceptanceSchema)],
    ] as const) {
      doc.paths[path] = { post: { responses: {}, requestBody: { content: { 'application/json': { schema: (body as { schema: object }).schema } } } } };
    }
    addBodySchemas(doc);
    return doc;
  };

  it('describes a signed proposal: the revision answered, the proposal with its validation rules, certificate and signature', () => {
    const signed = document().components?.schemas?.['SignedProposal'] as { required: string[]; additionalProperties: boolean; properties: Record<string, Record<string, unknown>> };
    expect(signed.required.sort()).toEqual(['answers', 'certificatePem', 'proposal', 'signature']);
    expect(signed.additionalProperties).toBe(false);
    expect(signed.properties['answers']?.['minimum']).toBe(0);
    expect(signed.properties['signature']?.['pattern']).toBe('^[A-Za-z0-9+/]+={0,2}$');
    expect(signed.properties['signature']?.['description']).toContain('canonicalJson({sessionId, answers, proposal})');
    const proposal = signed.properties['proposal'] as Record<string, unknown>;
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
