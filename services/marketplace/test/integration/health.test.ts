import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';
import { marketplaceService } from '../../src/config';

describeServiceHealth({
  service: 'marketplace',
  createApp: (env) => createServiceApp(loadServiceConfig(marketplaceService, env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'marketplace', dependencies: ['postgres', 'kafka'] },
});
