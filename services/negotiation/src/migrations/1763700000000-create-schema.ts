import { CreateServiceSchema } from '@datawell/service-platform';
import { negotiationService } from '../config';

export class CreateNegotiationSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = negotiationService.spec.schema;
}
