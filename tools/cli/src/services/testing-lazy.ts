/**
 * What a few CLI commands use of the test library (@datawell/testing: a login at a service, an
 * administration client, a seat's signers), loaded with `await import('../services/testing-lazy')`
 * only when such a command acts: the library's index loads supertest, the Fabric gateway, gRPC and
 * X.509 libraries, about half of a start's CPU. A relative module, because Nx's module-boundaries rule
 * forbids a lazy import of a library that other files of the project import statically.
 */
export { apiClient, bridgeCollectionApprover, bridgeConfigSigner, httpAdminApi, login, stackAdminIdentity } from '@datawell/testing';
