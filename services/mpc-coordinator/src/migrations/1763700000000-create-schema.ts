import { CreateServiceSchema, SERVICES } from '@datawell/config';

export class CreateMpcCoordinatorSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = SERVICES['mpc-coordinator'].schema;
}
