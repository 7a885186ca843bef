import { CreateIdentityDirectory } from '@datawell/auth';

export class CreateMarketplaceIdentityDirectory1763900000001 extends CreateIdentityDirectory {}
