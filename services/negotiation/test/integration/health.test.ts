import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { describeServiceHealth } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';
import { negotiationService } from '../../src/config';

describeServiceHealth({
  service: 'negotiation',
  // gRPC on any free port: the suite boots more than one instance at a time.
  createApp: (env) => createServiceApp(loadServiceConfig(negotiationService, { ...env, NEGOTIATION_GRPC_PORT: '0' }), AppModule.forConfig),
  migrations: MIGRATIONS,
  expected: { schema: 'negotiation', dependencies: ['postgres', 'kafka'] },
});
