import { CreateServiceSchema } from '@datawell/service-platform';
import { ledgerBridgeService } from '../config';

export class CreateLedgerBridgeSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = ledgerBridgeService.spec.schema;
}
