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
 * The request's signature, checked, or undefined for a request sent without one (which the nodes in
 * the members' domains will refuse). certificatePem, signature and issuedAtMs come together, with a
 * requestId and the recipients (both signed). 400 REQUEST_CERTIFICATE_INVALID, REQUEST_SIGNATURE_INVALID
 * or REQUEST_STALE; 403 REQUEST_CERTIFICATE_MISMATCH when the certificate was not issued by the CA of
 * the caller's organisation (`callerCaPem`, from the identity directory).
 */
export function checkedSignature(request: ComputationRequest, caller: string, callerCaPem: string | undefined, nowMs: number): RequestSignature | undefined {
  const { certificatePem, signature, issuedAtMs } = request;
  const given = [certificatePem, signature, issuedAtMs].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3) throw invalid('certificatePem, signature and issuedAtMs: a signed request carries all three');
  if (!request.requestId) throw invalid('requestId: a signed request names its request id (it is signed)');
  if (!request.recipients) throw invalid('recipients: a signed request names its recipients (they are signed)');
  const signed: RequestSignature = { requestId: request.requestId, issuedAtMs: issuedAtMs!, certificatePem: certificatePem!, signature: signature! };
  const fields = { daoId: request.daoId, version: request.version, computation: request.computation, dataset: request.dataset.name, recipients: request.recipients, requester: caller };
  const problem = requestSignatureProblem(fields, signed, nowMs);
  if (problem) throw new CoordinatorError(problem.code, problem.message);
  if (!callerCaPem || !certificateIssuedBy(signed.certificatePem, [callerCaPem])) {
    throw new CoordinatorError('REQUEST_CERTIFICATE_MISMATCH', `the request certificate was not issued by the CA of ${caller}, the caller's organisation`);
  }
  return signed;
}
