import { createServiceApp, loadServiceConfig } from '@datawell/config';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';

describeServiceHealth({
  service: 'negotiation',
  createApp: (env) => createServiceApp(loadServiceConfig('negotiation', env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'negotiation', dependencies: ['postgres', 'kafka'] },
});
