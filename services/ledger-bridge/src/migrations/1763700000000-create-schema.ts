import { CreateServiceSchema, SERVICES } from '@datawell/config';

export class CreateLedgerBridgeSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = SERVICES['ledger-bridge'].schema;
}
