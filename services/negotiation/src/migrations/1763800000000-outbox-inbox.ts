import { CreateOutboxAndInbox } from '@datawell/messaging';

export class CreateNegotiationOutboxInbox1763800000000 extends CreateOutboxAndInbox {}
