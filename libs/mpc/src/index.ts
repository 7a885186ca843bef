// Public surface of @datawell/mpc: interfaces, error classes and factories (CONVENTIONS.md §11).
export { P as FIELD_PRIME, FIELD_BITS } from './field/reference';
export type { FieldVec } from './field/vector';
export { fromBigInts } from './field/vector';
export * from './errors';
export type { Transport, MessageInterceptor } from './transport/transport';
export { createMemoryTransports } from './transport/transport';
export type { Shared, TripleShares, MaskShares } from './online/shares';
export type { MpcParty } from './online/party';
export { createParty } from './online/party';
export { runLocalParties, runLocalPartiesSettled } from './online/local-run';
export type { PartyPreprocessing } from './preprocessing/store';
export type { PreprocessingPolicy, PreprocessingSource } from './preprocessing/policy';
export { assertPreprocessingAllowed } from './preprocessing/policy';
export type { TrustedDealerOptions, DealtPreprocessing } from './preprocessing/trusted-dealer';
export { dealPreprocessing } from './preprocessing/trusted-dealer';
