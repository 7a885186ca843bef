// Public surface of @datawell/mpc: interfaces, error classes and factories (CONVENTIONS.md §11).
export { P as FIELD_PRIME, FIELD_BITS } from './field/reference';
export type { FieldVec } from './field/vector';
export { fromBigInts } from './field/vector';
export * from './errors';
export type { Transport, MessageInterceptor } from './transport/transport';
export { createMemoryTransports } from './transport/transport';
/** For transports outside the engine (the MPC node's TLS adapter): a closable FIFO per peer. */
export { Mailbox } from './transport/mailbox';
export type { DotOperand, Shared, TripleShares, MaskShares, SquareShares } from './online/shares';
export type { MpcParty } from './online/party';
export { createParty } from './online/party';
export { runLocalParties, runLocalPartiesSettled } from './online/local-run';
export type { PartyPreprocessing } from './preprocessing/store';
export type { PreprocessingPolicy, PreprocessingSource } from './preprocessing/policy';
export { assertPreprocessingAllowed } from './preprocessing/policy';
export type { TrustedDealerOptions, DealtPreprocessing } from './preprocessing/trusted-dealer';
export { dealPreprocessing } from './preprocessing/trusted-dealer';
export type { MascotOfflinePhase } from './offline/mascot';
export { setupMascot } from './offline/mascot';
export type { MascotOptions } from './offline/mascot';
export type { OtExtensionChoice } from './offline/ot-extension';
export { DEFAULT_SOFTSPOKEN_K, parseOtExtensionChoice } from './offline/ot-extension';
export type { LocalMascotOptions, LocalMascotResult } from './offline/local';
export { runLocalMascot } from './offline/local';
export {
  DEFAULT_FRACTIONAL_BITS, DEFAULT_PRECISION, PRECISIONS, encodeAt, encodeFixed, encodeFixedLimbs, decodeFixed, assertSecondMomentRange, assertLimbRange, assertOneLimbRange,
  assertRangeAt, isPrecision, limbsOf, type Precision,
} from './programs/fixed-point';
export type { StatOptions, FixedShared, VarianceResult, CovarianceResult, RegressionResult } from './programs/statistics';
export { roundShift } from './programs/truncate';
export { randomBits } from './programs/random-bits';
export {
  inputFixed, limbProducts, secureSum, secureCount, secureMean, secureVariance, secureCovariance, secureDotProduct, secureLinearRegression,
} from './programs/statistics';
export type { CompareOptions } from './programs/compare';
export {
  DEFAULT_COMPARE_BITS, DEFAULT_STATISTICAL_SECURITY, lessThanZero, secureLessThan, secureHistogram,
} from './programs/compare';
export type { DemoOptions, DemoReport, DemoFigures, DemoJob, DemoNodeResult } from './demo/demo';
export { runMpcDemo, runDemoNode, demoJob, demoReport, demoDataset, plainFigures } from './demo/demo';
export { createMpcCa, generateTestPki, issueMpcCertificate, type MpcCa, type TestPki, type TlsIdentity } from './transport/test-pki';
export { createPortTransport } from './transport/port';
export type { CatalogueProgram, CatalogueJob, CatalogueResult, CatalogueRun } from './programs/catalogue';
export { CATALOGUE, checkCatalogueJob, columnRange, jobPrecision, jobRequirement, runCatalogueJob } from './programs/catalogue';
export { computeOpSchema, computeOpLedgerSchema, requestSignatureSchema, nodeOpSchema, preprocessOpSchema, type ComputeOp, type ComputeOpLedger, type ComputeOutcome, type NodeInventory, type NodeOp, type PreprocessOp, type PreprocessOutcome } from './node-ops';
export { authorizeComputation, versionMemberOf, type AuthorizedComputation, type ComputationAsk, type ComputationDecision, type ComputationRefusal, type LedgerVersionMember, type LedgerVersionView } from './authorization';
export { certificateIssuedBy, REQUEST_CLOCK_SKEW_MS, REQUEST_WINDOW_MS, requestSignatureProblem, type RequestSignature, type RequestSignatureProblem, type RequestSignatureProblemCode, type SignedRequestFields } from './request-signature';
