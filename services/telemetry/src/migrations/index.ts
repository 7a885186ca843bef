import { CreateTelemetrySchema1763700000000 } from './1763700000000-create-schema';

/** In the order they run; TypeORM records each by class name in telemetry.migrations. */
export const MIGRATIONS = [CreateTelemetrySchema1763700000000];
