import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule } from '@datawell/service-platform';
import { TELEMETRY_GRPC } from './grpc/telemetry.grpc';
import { MIGRATIONS } from './migrations';
import { TelemetryModule } from './telemetry.module';
import type { TelemetryConfig } from './config';

/** The platform's wiring (settings, PostgreSQL and migrations, Redis, Kafka, health, metrics, OpenAPI, gRPC, auth) around telemetry's module. */
@Module({})
export class AppModule {
  static forConfig(config: TelemetryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: TELEMETRY_GRPC }), AuthModule.forRoot(), TelemetryModule],
    };
  }
}
