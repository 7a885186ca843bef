import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule } from '@datawell/service-platform';
import { AdminModule } from './admin/admin.module';
import { LedgerBridgeModule } from './ledger-bridge.module';
import { MIGRATIONS } from './migrations';
import type { LedgerBridgeServiceConfig } from './config';

@Module({})
export class AppModule {
  static forConfig(config: LedgerBridgeServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS }), AuthModule.forRoot(), LedgerBridgeModule, AdminModule.forConfig(config)],
    };
  }
}
