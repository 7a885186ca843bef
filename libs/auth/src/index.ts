export { admit, Authenticated, AuthGuard, AuthModule, Authenticator, CurrentPrincipal, OperatorAdmin, type Audience, type AuthOptions } from './auth.module';
export { AUTHENTICATED_STATUSES, commonName, fingerprintOf, isAdminCertificate, issuingCa, parseCertificate, verifyAgainstDirectory } from './certificates';
export { CreateIdentityDirectory, IdentityDirectory, operatorEntry } from './directory';
export { directoryEntryOf } from './directory-events';
export { AuthError, forbidden, unauthenticated } from './errors';
export type { DirectoryEntry, Principal } from './principal';
export { TokenIssuer } from './tokens';
