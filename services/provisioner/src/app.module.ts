import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule } from '@datawell/service-platform';
import { PROVISIONER_GRPC } from './grpc/provisioner.grpc';
import { MIGRATIONS } from './migrations';
import { ProvisionerModule } from './provisioner.module';
import type { ProvisionerConfig } from './config';

/** The platform's wiring (settings, PostgreSQL and migrations, Redis, Kafka, health, metrics, OpenAPI, gRPC, auth) around the provisioner's module. */
@Module({})
export class AppModule {
  static forConfig(config: ProvisionerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: PROVISIONER_GRPC }), AuthModule.forRoot(), ProvisionerModule],
    };
  }
}
