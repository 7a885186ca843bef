import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';
import { mpcCoordinatorService } from '../../src/config';

describeServiceHealth({
  service: 'mpc-coordinator',
  createApp: (env) => createServiceApp(loadServiceConfig(mpcCoordinatorService, env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'mpc_coordinator', dependencies: ['postgres', 'redis', 'kafka'] },
});
