import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule, type ServiceConfig } from '@datawell/config';
import { MARKETPLACE_GRPC } from './grpc/marketplace.grpc';
import { MarketplaceModule } from './marketplace.module';
import { MIGRATIONS } from './migrations';

@Module({})
export class AppModule {
  static forConfig(config: ServiceConfig<'marketplace'>): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: MARKETPLACE_GRPC }), AuthModule.forRoot(), MarketplaceModule],
    };
  }
}
