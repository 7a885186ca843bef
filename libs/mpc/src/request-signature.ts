import { verify, X509Certificate } from 'node:crypto';
import { parametersDigest } from '@datawell/contracts';
import { COMPUTATION_REQUEST_KIND, computationRequestSigningText, issuingCa, OUTDATED_COMPUTATION_REQUEST_KIND, outdatedComputationRequestSigningText, type ComputationParameters, type SignedComputationFields } from '@datawell/domain';

/*
 * The requester's signature of a computation request (issue 12): the coordinator checks it when it
 * takes the request, and every MPC node checks it again over the op's own ledger fields before it
 * takes part, so a coordinator cannot name a requester that did not ask, nor change what it asked.
 */

/** How old a signed request a node (and the coordinator) still takes: 10 minutes. */
export const REQUEST_WINDOW_MS = 10 * 60_000;
/** How far in the future `issuedAtMs` may be (the requester's clock ahead of the node's). */
export const REQUEST_CLOCK_SKEW_MS = 60_000;

/** The requester's signature as it travels with a request and an op: the certificate and an ECDSA-SHA256 signature (DER, base64). */
export interface RequestSignature {
  readonly requestId: string;
  readonly issuedAtMs: number;
  readonly certificatePem: string;
  readonly signature: string;
}

export type RequestSignatureProblemCode = 'REQUEST_CERTIFICATE_INVALID' | 'REQUEST_SIGNATURE_INVALID' | 'REQUEST_SIGNATURE_OUTDATED' | 'REQUEST_STALE';

/**
 * What a checker knows of a request, to rebuild its signing text: the signed fields but the id and
 * time (those travel with the signature) and the parameters themselves (their digest is computed
 * here, with parametersDigest of @datawell/contracts).
 */
export type SignedRequestFields = Omit<SignedComputationFields, 'requestId' | 'issuedAtMs' | 'parametersDigest'> & { readonly parameters: ComputationParameters };

export interface RequestSignatureProblem {
  readonly code: RequestSignatureProblemCode;
  readonly message: string;
}

export function readCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/**
 * Why `signed` is not a valid signature of `fields` at `nowMs`, or undefined when it is: a readable
 * certificate valid now, an ECDSA-SHA256 signature with its key over computationRequestSigningText
 * (v2: with the data owner and the parameters' digest), issued no longer than `windowMs` ago (and not
 * more than REQUEST_CLOCK_SKEW_MS ahead). A signature over the outdated v1 text, which left the
 * coordinator free to change the columns or the owner, is REQUEST_SIGNATURE_OUTDATED. Who issued the
 * certificate is the caller's check (certificateIssuedBy, or the caller's own login).
 */
export function requestSignatureProblem(
  fields: SignedRequestFields,
  signed: RequestSignature,
  nowMs: number,
  windowMs = REQUEST_WINDOW_MS,
): RequestSignatureProblem | undefined {
  const certificate = readCertificate(signed.certificatePem);
  if (!certificate) return { code: 'REQUEST_CERTIFICATE_INVALID', message: 'the request certificate is not a readable X.509 certificate' };
  if (nowMs < Date.parse(certificate.validFrom) || nowMs > Date.parse(certificate.validTo)) {
    return { code: 'REQUEST_CERTIFICATE_INVALID', message: `the request certificate is not valid now (valid ${certificate.validFrom} to ${certificate.validTo})` };
  }
  const { parameters, ...named } = fields;
  const over = { ...named, requestId: signed.requestId, issuedAtMs: signed.issuedAtMs };
  const verifies = (text: string) => {
    try {
      return verify('sha256', Buffer.from(text, 'utf8'), certificate.publicKey, Buffer.from(signed.signature, 'base64'));
    } catch {
      return false;
    }
  };
  if (!verifies(computationRequestSigningText({ ...over, parametersDigest: parametersDigest(parameters) }))) {
    if (verifies(outdatedComputationRequestSigningText(over))) {
      return {
        code: 'REQUEST_SIGNATURE_OUTDATED',
        message: `the request is signed as ${OUTDATED_COMPUTATION_REQUEST_KIND}, which binds neither its parameters nor its data owner: no longer taken; sign ${COMPUTATION_REQUEST_KIND} (computationRequestSigningText of @datawell/domain)`,
      };
    }
    return {
      code: 'REQUEST_SIGNATURE_INVALID',
      message: `the request signature does not verify with the certificate's key over the request's signing text (${COMPUTATION_REQUEST_KIND}: its requester, computation, recipients, dataset, data owner, parameters and version)`,
    };
  }
  if (signed.issuedAtMs < nowMs - windowMs) return { code: 'REQUEST_STALE', message: `the request was signed ${Math.round((nowMs - signed.issuedAtMs) / 1000)} s ago, beyond the window of ${windowMs / 1000} s` };
  if (signed.issuedAtMs > nowMs + REQUEST_CLOCK_SKEW_MS) return { code: 'REQUEST_STALE', message: 'the request is signed for a time in the future' };
  return undefined;
}

/** Whether `certificatePem` was issued (and signed) by one of the CA certificates `caPems` (each may hold several). */
export function certificateIssuedBy(certificatePem: string, caPems: readonly string[]): boolean {
  const certificate = readCertificate(certificatePem);
  if (!certificate) return false;
  return caPems.some((pem) => issuingCa(certificate, pem) !== undefined);
}
