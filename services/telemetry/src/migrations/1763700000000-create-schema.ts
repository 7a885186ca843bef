import { CreateServiceSchema } from '@datawell/service-platform';
import { telemetryService } from '../config';

export class CreateTelemetrySchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = telemetryService.spec.schema;
}
