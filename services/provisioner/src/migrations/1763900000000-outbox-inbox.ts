import { CreateOutboxAndInbox } from '@datawell/messaging';

export class ProvisionerOutboxInbox1763900000000 extends CreateOutboxAndInbox {}
