/** @datawell/domain: Datawell's pure rules (no I/O), shared by chaincode, services and the CLI. */
export * from './economics';
export { canonicalBytes, canonicalJson } from './canonical-json';
export * from './agreement/schemas';
