export { Authenticated, AuthGuard, AuthModule, Authenticator, CurrentPrincipal } from './auth.module';
export { commonName, fingerprintOf, parseCertificate, verifyAgainstDirectory } from './certificates';
export { CreateIdentityDirectory, IdentityDirectory } from './directory';
export { directoryUpdateOf } from './directory-events';
export { AuthError, forbidden, unauthenticated } from './errors';
export type { DirectoryEntry, Principal } from './principal';
export { TokenIssuer } from './tokens';
