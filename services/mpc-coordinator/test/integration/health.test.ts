import { createServiceApp, loadServiceConfig } from '@datawell/config';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';

describeServiceHealth({
  service: 'mpc-coordinator',
  createApp: (env) => createServiceApp(loadServiceConfig('mpc-coordinator', env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'mpc_coordinator', dependencies: ['postgres', 'redis', 'kafka'] },
});
