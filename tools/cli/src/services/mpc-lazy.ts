/**
 * The MPC library's certificate authority (@datawell/mpc: its index loads X.509 libraries), loaded with
 * `await import('./mpc-lazy')` only where a mesh's CA is made. A relative module, because Nx's
 * module-boundaries rule forbids a lazy import of a library that other files of the project import
 * statically.
 */
export { createMpcCa, issueMpcCertificate } from '@datawell/mpc';
