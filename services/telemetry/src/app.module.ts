import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule, type ServiceConfig } from '@datawell/config';
import { TELEMETRY_GRPC } from './grpc/telemetry.grpc';
import { MIGRATIONS } from './migrations';
import { TelemetryModule } from './telemetry.module';

@Module({})
export class AppModule {
  static forConfig(config: ServiceConfig<'telemetry'>): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: TELEMETRY_GRPC }), AuthModule.forRoot(), TelemetryModule],
    };
  }
}
