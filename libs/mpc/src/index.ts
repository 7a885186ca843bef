// Public surface of @datawell/mpc: interfaces, error classes and factories (CONVENTIONS.md §11).
export { P as FIELD_PRIME, FIELD_BITS } from './field/reference';
export type { FieldVec } from './field/vector';
