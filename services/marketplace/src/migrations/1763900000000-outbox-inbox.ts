import { CreateOutboxAndInbox } from '@datawell/messaging';

export class CreateMarketplaceOutboxInbox1763900000000 extends CreateOutboxAndInbox {}
