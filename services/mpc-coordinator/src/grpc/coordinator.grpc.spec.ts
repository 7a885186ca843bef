import { status } from '@grpc/grpc-js';
import { grpcStatusOf } from '@datawell/service-platform';
import { forbidden as authForbidden, unauthenticated } from '@datawell/auth';
import { parseComputationRequest } from '../computations/authorization';
import { CoordinatorError, forbidden, invalid, tooManyRefusals } from '../computations/computations.errors';
import { SIGNATURE_FIELDS } from '../computations/version.spec-helper';
import { computationMessage, requestBodyOf } from './coordinator.grpc';

describe('coordinator gRPC messages', () => {
  it('turns a request message into the HTTP body the service validates', () => {
    const body = requestBodyOf({
      dao_id: 'acme',
      version: 2,
      computation: 'mean',
      parameters: { columns: ['t'], fractional_bits: 0, _fractional_bits: 'fractional_bits' },
      dataset: { name: 'readings', owner: 'DspMSP' },
      recipients: ['VspMSP'],
      request_id: 'r-1',
    });
    expect(body).toEqual({
      daoId: 'acme',
      version: 2,
      computation: 'mean',
      parameters: { columns: ['t'], fractionalBits: 0 },
      dataset: { name: 'readings', owner: 'DspMSP' },
      recipients: ['VspMSP'],
      requestId: 'r-1',
    });
    expect(parseComputationRequest({ ...body, ...SIGNATURE_FIELDS }).parameters.fractionalBits).toBe(0);
  });

  it("carries the requester's signature (issued_at_ms an int64 as proto-loader gives it: a string)", () => {
    const body = requestBodyOf({ dao_id: 'acme', version: 2, computation: 'mean', parameters: { columns: ['t'] }, dataset: { name: 'r', owner: 'DspMSP' }, recipients: ['VspMSP'], request_id: 'r-1', issued_at_ms: '1800000000000', certificate_pem: 'PEM', signature: 'c2ln' });
    expect(body).toMatchObject({ requestId: 'r-1', issuedAtMs: 1_800_000_000_000, certificatePem: 'PEM', signature: 'c2ln' });
    expect(parseComputationRequest(body)).toMatchObject({ issuedAtMs: 1_800_000_000_000, certificatePem: 'PEM', signature: 'c2ln' });
  });

  it('leaves unset optionals, empty recipients and unset messages out, so the schema judges them', () => {
    const body = requestBodyOf({ dao_id: 'acme', version: 1, computation: 'mean', parameters: { columns: ['t'] }, dataset: { name: 'r' }, recipients: [] });
    expect(body).toEqual({ daoId: 'acme', version: 1, computation: 'mean', parameters: { columns: ['t'] }, dataset: { name: 'r' } });
    expect(() => parseComputationRequest(body)).toThrow(expect.objectContaining({ code: 'REQUEST_SIGNATURE_REQUIRED' }));
    expect(parseComputationRequest({ ...body, ...SIGNATURE_FIELDS }).parameters.fractionalBits).toBe(16);
    const missing = requestBodyOf({ dao_id: 'acme', version: 1, computation: 'mean', parameters: null, dataset: null, recipients: [] });
    expect(() => parseComputationRequest({ ...missing, ...SIGNATURE_FIELDS })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^parameters/) }));
  });

  it('writes a computation with optional fields only when known', () => {
    const base = {
      id: 'c1',
      daoId: 'acme',
      version: 1,
      computation: 'mean',
      requester: 'VspMSP',
      recipients: ['VspMSP'],
      owner: 'DspMSP',
      parameters: { columns: ['t'], fractionalBits: 16 },
      dataset: { name: 'r' },
      status: 'queued' as const,
      progress: 0,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    };
    const queued = computationMessage(base);
    expect(queued).toMatchObject({ dao_id: 'acme', dataset: { name: 'r', owner: 'DspMSP' }, members: [] });
    expect(queued).not.toHaveProperty('rows');
    expect(queued).not.toHaveProperty('error');
    const failed = computationMessage({ ...base, status: 'failed', members: ['DspMSP', 'VspMSP'], error: { code: 'DATASET_UNKNOWN', message: 'no' } });
    expect(failed).toMatchObject({ status: 'failed', members: ['DspMSP', 'VspMSP'], error: { code: 'DATASET_UNKNOWN', message: 'no' } });
  });

  it("maps the coordinator's and libs/auth's errors to the statuses the proto names", () => {
    expect(grpcStatusOf(invalid('x'))).toBe(status.INVALID_ARGUMENT);
    expect(grpcStatusOf(forbidden('x'))).toBe(status.PERMISSION_DENIED);
    expect(grpcStatusOf(new CoordinatorError('VERSION_NOT_FOUND', 'x'))).toBe(status.NOT_FOUND);
    expect(grpcStatusOf(new CoordinatorError('COMPUTATION_NOT_FOUND', 'x'))).toBe(status.NOT_FOUND);
    expect(grpcStatusOf(new CoordinatorError('RESULT_NOT_READY', 'x'))).toBe(status.FAILED_PRECONDITION);
    expect(grpcStatusOf(tooManyRefusals('VspMSP', 3))).toBe(status.RESOURCE_EXHAUSTED);
    expect(grpcStatusOf(unauthenticated('x'))).toBe(status.UNAUTHENTICATED);
    expect(grpcStatusOf(authForbidden('x'))).toBe(status.PERMISSION_DENIED);
  });
});
