import { certificateIssuedBy, requestSignatureProblem, type RequestSignature } from '@datawell/mpc';
import type { ComputationRequest } from './authorization';
import { CoordinatorError, invalid } from './computations.errors';

/*
 * The requester's signature of a computation request (issue 12). The coordinator checks it when it
 * takes the request, so that a client error is answered at once; but the coordinator is not trusted
 * with it: each member's MPC node checks it again over the op's own ledger fields, against the
 * requester's CA as its own member's channel config has it, before it takes part.
 */

/**
 * The request's signature, checked (parseComputationRequest has refused a request without one: 400
 * REQUEST_SIGNATURE_REQUIRED). It signs the request id, the recipients and the dataset's owner, so
 * the request names them (400 INVALID_REQUEST); and it must verify over the v2 signing text of the
 * request's own fields — the owner and the parameters' digest included — with `requester` the
 * caller: 400 REQUEST_CERTIFICATE_INVALID, REQUEST_SIGNATURE_INVALID, REQUEST_SIGNATURE_OUTDATED
 * (signed as v1) or REQUEST_STALE; 403 REQUEST_CERTIFICATE_MISMATCH when the certificate was not
 * issued by the CA of the caller's organisation (`callerCaPem`, from the identity directory).
 */
export function checkedSignature(request: ComputationRequest, caller: string, callerCaPem: string | undefined, nowMs: number): RequestSignature {
  const { requestId, recipients } = request;
  const owner = request.dataset.owner;
  if (!requestId) throw invalid('requestId: a signed request names its request id (it is signed)');
  if (!recipients) throw invalid('recipients: a signed request names its recipients (they are signed)');
  if (!owner) throw invalid("dataset.owner: a signed request names its dataset's owner (it is signed)");
  const signed: RequestSignature = { requestId, issuedAtMs: request.issuedAtMs, certificatePem: request.certificatePem, signature: request.signature };
  const fields = { daoId: request.daoId, version: request.version, computation: request.computation, dataset: request.dataset.name, owner, parameters: request.parameters, recipients, requester: caller };
  const problem = requestSignatureProblem(fields, signed, nowMs);
  if (problem) throw new CoordinatorError(problem.code, problem.message);
  if (!callerCaPem || !certificateIssuedBy(signed.certificatePem, [callerCaPem])) {
    throw new CoordinatorError('REQUEST_CERTIFICATE_MISMATCH', `the request certificate was not issued by the CA of ${caller}, the caller's organisation`);
  }
  return signed;
}
