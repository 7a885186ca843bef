export { admit, AdmitWorkloads, Authenticated, AuthGuard, AuthModule, Authenticator, CurrentPrincipal, OperatorAdmin, type Audience, type AuthOptions } from './auth.module';
export { AUTHENTICATED_STATUSES, commonName, FABRIC_ATTRIBUTES_OID, fabricAttributes, fingerprintOf, isAdminCertificate, issuingCa, parseCertificate, verifyAgainstDirectory, WORKLOAD_ATTRIBUTE, workloadOf } from './certificates';
export { CreateIdentityDirectory, IdentityDirectory, operatorEntry } from './directory';
export { directoryEntryOf } from './directory-events';
export { AuthError, forbidden, unauthenticated } from './errors';
export type { DirectoryEntry, Principal } from './principal';
export { TokenIssuer } from './tokens';
