import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';
import { telemetryService } from '../../src/config';

describeServiceHealth({
  service: 'telemetry',
  // gRPC on any free port: the suite boots more than one instance at a time.
  createApp: (env) => createServiceApp(loadServiceConfig(telemetryService, { ...env, TELEMETRY_GRPC_PORT: '0' }), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'telemetry', dependencies: ['postgres', 'redis', 'kafka'] },
});
