import { createServiceApp, loadServiceConfig } from '@datawell/config';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';

describeServiceHealth({
  service: 'marketplace',
  createApp: (env) => createServiceApp(loadServiceConfig('marketplace', env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'marketplace', dependencies: ['postgres', 'kafka'] },
});
