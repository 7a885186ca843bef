import { CreateServiceSchema, SERVICES } from '@datawell/config';

export class CreateProvisionerSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = SERVICES['provisioner'].schema;
}
