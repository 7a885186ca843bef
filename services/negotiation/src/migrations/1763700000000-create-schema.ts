import { CreateServiceSchema, SERVICES } from '@datawell/config';

export class CreateNegotiationSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = SERVICES['negotiation'].schema;
}
