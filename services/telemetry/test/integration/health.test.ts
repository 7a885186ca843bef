import { createServiceApp, loadServiceConfig } from '@datawell/config';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';

describeServiceHealth({
  service: 'telemetry',
  createApp: (env) => createServiceApp(loadServiceConfig('telemetry', env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'telemetry', dependencies: ['postgres', 'redis', 'kafka'] },
});
