import { createServiceApp, loadServiceConfig } from '@datawell/config';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';

describeServiceHealth({
  service: 'ledger-bridge',
  createApp: (env) => createServiceApp(loadServiceConfig('ledger-bridge', env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'ledger_bridge', dependencies: ['postgres', 'redis', 'kafka'] },
});
