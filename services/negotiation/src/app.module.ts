import { Module, type DynamicModule } from '@nestjs/common';
import { ServicePlatformModule, type ServiceConfig } from '@datawell/config';
import { MIGRATIONS } from './migrations';

@Module({})
export class AppModule {
  static forConfig(config: ServiceConfig<'negotiation'>): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS })],
    };
  }
}
