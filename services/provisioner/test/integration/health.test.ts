import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';
import { provisionerService } from '../../src/config';

describeServiceHealth({
  service: 'provisioner',
  // gRPC on any free port: the suite boots more than one instance at a time.
  createApp: (env) => createServiceApp(loadServiceConfig(provisionerService, { ...env, PROVISIONER_GRPC_PORT: '0' }), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'provisioner', dependencies: ['postgres', 'redis', 'kafka'] },
});
