import { CreateServiceSchema } from '@datawell/service-platform';
import { mpcCoordinatorService } from '../config';

export class CreateMpcCoordinatorSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = mpcCoordinatorService.spec.schema;
}
