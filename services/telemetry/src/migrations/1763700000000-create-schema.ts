import { CreateServiceSchema, SERVICES } from '@datawell/config';

export class CreateTelemetrySchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = SERVICES['telemetry'].schema;
}
