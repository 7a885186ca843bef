import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule } from '@datawell/service-platform';
import { NEGOTIATION_GRPC } from './grpc/negotiation.grpc';
import { MIGRATIONS } from './migrations';
import { NegotiationModule } from './negotiation.module';
import type { NegotiationConfig } from './config';

/** The platform's wiring (settings, PostgreSQL and migrations, Kafka, health, metrics, OpenAPI, gRPC, auth) around the negotiation module. */
@Module({})
export class AppModule {
  static forConfig(config: NegotiationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: NEGOTIATION_GRPC }), AuthModule.forRoot(), NegotiationModule],
    };
  }
}
