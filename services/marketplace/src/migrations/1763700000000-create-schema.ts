import { CreateServiceSchema } from '@datawell/service-platform';
import { marketplaceService } from '../config';

export class CreateMarketplaceSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = marketplaceService.spec.schema;
}
