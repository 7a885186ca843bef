import { createServiceApp, loadServiceConfig } from '@datawell/config';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';

describeServiceHealth({
  service: 'provisioner',
  createApp: (env) => createServiceApp(loadServiceConfig('provisioner', env), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'provisioner', dependencies: ['postgres', 'redis', 'kafka'] },
});
