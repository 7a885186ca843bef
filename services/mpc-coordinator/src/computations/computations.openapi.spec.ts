import type { OpenAPIObject } from '@nestjs/swagger';
import { addBodySchemas, zodBody } from '@datawell/service-platform';
import { computationRequestSchema, nodeRegistrationRequestSchema, nodeRegistrationSchema } from './authorization';

/** The request bodies' OpenAPI schemas come from the zod schemas that validate them. */
describe('coordinator request bodies in OpenAPI', () => {
  const schemas = (): Record<string, Record<string, unknown>> => {
    const doc: OpenAPIObject = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {} };
    doc.paths['/computations'] = { post: { responses: {}, requestBody: { content: { 'application/json': { schema: (zodBody('ComputationRequest', computationRequestSchema) as { schema: object }).schema } } } } };
    doc.paths['/nodes'] = { put: { responses: {}, requestBody: { content: { 'application/json': { schema: (zodBody('NodeRegistration', nodeRegistrationSchema) as { schema: object }).schema } } } } };
    doc.paths['/own-nodes'] = { put: { responses: {}, requestBody: { content: { 'application/json': { schema: (zodBody('NodeRegistrationRequest', nodeRegistrationRequestSchema) as { schema: object }).schema } } } } };
    addBodySchemas(doc);
    return (doc.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  };

  it('describes a computation request as validated: required fields (the signature among them), optional defaults, no extra fields', () => {
    const request = schemas()['ComputationRequest'] ?? {};
    expect([...(request['required'] as string[])].sort()).toEqual(['certificatePem', 'computation', 'daoId', 'dataset', 'issuedAtMs', 'parameters', 'signature', 'version']);
    expect(String((request['properties'] as Record<string, Record<string, unknown>>)['signature']?.['description'])).toMatch(/datawell\.computation-request\.v2.*REQUEST_SIGNATURE_REQUIRED.*REQUEST_SIGNATURE_OUTDATED/);
    expect(request['additionalProperties']).toBe(false);
    const parameters = (request['properties'] as Record<string, { required?: string[]; properties: Record<string, Record<string, unknown>> }>)['parameters'];
    expect(parameters?.required).toEqual(['columns']);
    expect(parameters?.properties['fractionalBits']?.['maximum']).toBe(24);
  });

  it('describes a node registration with its party index range', () => {
    const registration = schemas()['NodeRegistration'] as { required: string[]; properties: Record<string, Record<string, unknown>> };
    expect([...registration.required].sort()).toEqual(['controlUrl', 'partyIndex']);
    expect(registration.properties['partyIndex']?.['maximum']).toBe(63);
  });

  it("describes PUT …/nodes's body: a registration with an optional certificate to pin, nothing else", () => {
    const body = schemas()['NodeRegistrationRequest'] as { required: string[]; additionalProperties: unknown; properties: Record<string, Record<string, unknown>> };
    expect([...body.required].sort()).toEqual(['controlUrl', 'partyIndex']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties['certificatePem']?.['type']).toBe('string');
    expect(String(body.properties['certificatePem']?.['description'])).toMatch(/caller's own CA/);
  });
});
