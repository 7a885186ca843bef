import { createServiceApp, loadServiceConfig } from '@datawell/config';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';

describeServiceHealth({
  service: 'provisioner',
  // gRPC on any free port: the suite boots more than one instance at a time.
  createApp: (env) => createServiceApp(loadServiceConfig('provisioner', { ...env, PROVISIONER_GRPC_PORT: '0' }), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'provisioner', dependencies: ['postgres', 'redis', 'kafka'] },
});
