import { Module, type DynamicModule } from '@nestjs/common';
import type { ServiceConfig } from '@datawell/config';
import { LedgerBridgeModule, LedgerBridgeRuntime } from '../ledger-bridge.module';
import { AdminController, ADMIN_SERVICE } from './admin.controller';
import type { AdminService } from './admin.service';

/**
 * Network administration over HTTP, present when the bridge is the operator's (it is given the
 * native network's stack folder and a wallet); absent otherwise. The administration itself lives in
 * the bridge, which also serves it over Kafka (network commands, agreements).
 */
@Module({})
export class AdminModule {
  static forConfig(config: ServiceConfig<'ledger-bridge'>): DynamicModule {
    if (!config.ledger.admin || !config.ledger.walletDir) return { module: AdminModule };
    return {
      module: AdminModule,
      imports: [LedgerBridgeModule],
      controllers: [AdminController],
      providers: [
        {
          provide: ADMIN_SERVICE,
          inject: [LedgerBridgeRuntime],
          useFactory: (runtime: LedgerBridgeRuntime): AdminService => {
            if (!runtime.bridge.admin) throw new Error('the ledger bridge was configured for administration but has none');
            return runtime.bridge.admin;
          },
        },
      ],
    };
  }
}
