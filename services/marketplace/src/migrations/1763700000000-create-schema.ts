import { CreateServiceSchema, SERVICES } from '@datawell/config';

export class CreateMarketplaceSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = SERVICES['marketplace'].schema;
}
