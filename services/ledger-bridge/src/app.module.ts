import { Module, type DynamicModule } from '@nestjs/common';
import { ServicePlatformModule, type ServiceConfig } from '@datawell/config';
import { AdminModule } from './admin/admin.module';
import { LedgerBridgeModule } from './ledger-bridge.module';
import { MIGRATIONS } from './migrations';

@Module({})
export class AppModule {
  static forConfig(config: ServiceConfig<'ledger-bridge'>): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS }), LedgerBridgeModule, AdminModule.forConfig(config)],
    };
  }
}
