import { CreateTelemetrySchema1763700000000 } from './1763700000000-create-schema';
import { CreateTelemetryOutboxInbox1763900000000 } from './1763900000000-outbox-inbox';
import { CreateTelemetryTables1763900000001 } from './1763900000001-telemetry-tables';
import { CreateTelemetryIdentityDirectory1763900000002 } from './1763900000002-identity-directory';
import { CreateTelemetryContractEndRequests1763900000003 } from './1763900000003-contract-end-requests';
import { AddTelemetryExpectedWorkloads1763900000004 } from './1763900000004-expected-workloads';

/** In the order they run; TypeORM records each by class name in telemetry.migrations. */
export const MIGRATIONS = [
  CreateTelemetrySchema1763700000000,
  CreateTelemetryOutboxInbox1763900000000,
  CreateTelemetryTables1763900000001,
  CreateTelemetryIdentityDirectory1763900000002,
  CreateTelemetryContractEndRequests1763900000003,
  AddTelemetryExpectedWorkloads1763900000004,
];
