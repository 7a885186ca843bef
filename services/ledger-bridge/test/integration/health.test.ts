import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';
import { ledgerBridgeService } from '../../src/config';

describeServiceHealth({
  service: 'ledger-bridge',
  createApp: (env) => createServiceApp(loadServiceConfig(ledgerBridgeService, env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'ledger_bridge', dependencies: ['postgres', 'redis', 'kafka'] },
});
