import { CreateServiceSchema } from '@datawell/service-platform';
import { provisionerService } from '../config';

export class CreateProvisionerSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = provisionerService.spec.schema;
}
