import { CreateIdentityDirectory } from '@datawell/auth';

/** The identity directory libs/auth authenticates callers against, fed from ParticipantRegistered. */
export class CreateProvisionerIdentityDirectory1763900000002 extends CreateIdentityDirectory {}
