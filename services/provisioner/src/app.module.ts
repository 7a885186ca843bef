import { Module, type DynamicModule } from '@nestjs/common';
import { ServicePlatformModule, type ServiceConfig } from '@datawell/config';
import { MIGRATIONS } from './migrations';
import { ProvisioningModule } from './provisioning/provisioning.module';

@Module({})
export class AppModule {
  static forConfig(config: ServiceConfig<'provisioner'>): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS }), ProvisioningModule],
    };
  }
}
