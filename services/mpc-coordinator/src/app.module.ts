import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule } from '@datawell/service-platform';
import { MPC_COORDINATOR_GRPC } from './grpc/coordinator.grpc';
import { MIGRATIONS } from './migrations';
import { MpcCoordinatorModule } from './mpc-coordinator.module';
import type { MpcCoordinatorConfig } from './config';

/** The platform's wiring (settings, PostgreSQL and migrations, Redis, Kafka, health, metrics, OpenAPI, gRPC, auth) around the coordinator's module. */
@Module({})
export class AppModule {
  static forConfig(config: MpcCoordinatorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: MPC_COORDINATOR_GRPC }), AuthModule.forRoot(), MpcCoordinatorModule],
    };
  }
}
