import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule, type ServiceConfig } from '@datawell/config';
import { ComputationsModule } from './computations/computations.module';
import { MPC_COORDINATOR_GRPC } from './grpc/coordinator.grpc';
import { MIGRATIONS } from './migrations';

@Module({})
export class AppModule {
  static forConfig(config: ServiceConfig<'mpc-coordinator'>): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: MPC_COORDINATOR_GRPC }), AuthModule.forRoot(), ComputationsModule],
    };
  }
}
