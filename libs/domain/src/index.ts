/** @datawell/domain: Datawell's pure rules (no I/O), shared by chaincode, services and the CLI. */
export { DatawellError, ERROR_KINDS, GRPC_STATUS, type ErrorKind } from './error';
export * from './economics';
export { canonicalBytes, canonicalJson } from './canonical-json';
export * from './agreement/schemas';
export { proposalSigningText } from './agreement/proposal-signing';
export {
  COMPUTATION_REQUEST_KIND,
  computationParametersText,
  computationRequestSigningText,
  OUTDATED_COMPUTATION_REQUEST_KIND,
  outdatedComputationRequestSigningText,
  type ComputationParameters,
  type SignedComputationFields,
} from './mpc/computation-request-signing';
export { computationCharge } from './agreement/pricing';
export { agreementSigningBytes, verifyAcceptances, checkConsent, joinEndorsingOrganisations, AgreementConsentError, type AgreementSignature, type ConsentMember, type ConsentFailure } from './agreement/consent';
export { issuingCa } from './identity/issuing-ca';
