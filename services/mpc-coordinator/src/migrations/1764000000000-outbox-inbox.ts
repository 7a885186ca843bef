import { CreateOutboxAndInbox } from '@datawell/messaging';

export class CreateMpcCoordinatorOutboxInbox1764000000000 extends CreateOutboxAndInbox {}
