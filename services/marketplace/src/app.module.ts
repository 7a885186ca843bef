import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule } from '@datawell/service-platform';
import { MARKETPLACE_GRPC } from './grpc/marketplace.grpc';
import { MarketplaceModule } from './marketplace.module';
import { MIGRATIONS } from './migrations';
import type { MarketplaceConfig } from './config';

/** The platform's wiring (settings, PostgreSQL and migrations, Kafka, health, metrics, OpenAPI, gRPC, auth) around the marketplace's module. */
@Module({})
export class AppModule {
  static forConfig(config: MarketplaceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: MARKETPLACE_GRPC }), AuthModule.forRoot(), MarketplaceModule],
    };
  }
}
