import { CreateIdentityDirectory } from '@datawell/auth';

export class CreateNegotiationIdentityDirectory1763900000000 extends CreateIdentityDirectory {}
