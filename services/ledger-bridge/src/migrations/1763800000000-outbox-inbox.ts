import { CreateOutboxAndInbox } from '@datawell/messaging';

export class CreateLedgerBridgeOutboxInbox1763800000000 extends CreateOutboxAndInbox {}
