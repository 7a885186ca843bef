import { CreateIdentityDirectory } from '@datawell/auth';

/** Who may call the bridge's API: participants from ledger events (libs/auth), the operator from its public MSP. */
export class CreateLedgerBridgeIdentityDirectory1763800000002 extends CreateIdentityDirectory {}
