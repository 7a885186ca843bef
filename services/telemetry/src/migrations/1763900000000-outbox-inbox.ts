import { CreateOutboxAndInbox } from '@datawell/messaging';

export class CreateTelemetryOutboxInbox1763900000000 extends CreateOutboxAndInbox {}
