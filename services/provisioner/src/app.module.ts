import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule, type ServiceConfig } from '@datawell/config';
import { PROVISIONER_GRPC } from './grpc/provisioner.grpc';
import { MIGRATIONS } from './migrations';
import { ProvisioningModule } from './provisioning/provisioning.module';

@Module({})
export class AppModule {
  static forConfig(config: ServiceConfig<'provisioner'>): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: PROVISIONER_GRPC }), AuthModule.forRoot(), ProvisioningModule],
    };
  }
}
