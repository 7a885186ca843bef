import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule } from '@datawell/service-platform';
import { ComputationsModule } from './computations/computations.module';
import { MPC_COORDINATOR_GRPC } from './grpc/coordinator.grpc';
import { MIGRATIONS } from './migrations';
import type { MpcCoordinatorConfig } from './config';

@Module({})
export class AppModule {
  static forConfig(config: MpcCoordinatorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: MPC_COORDINATOR_GRPC }), AuthModule.forRoot(), ComputationsModule],
    };
  }
}
