import { Module, type DynamicModule } from '@nestjs/common';
import { LedgerBridge } from '../ledger-bridge';
import { LedgerBridgeModule } from '../ledger-bridge.module';
import { AdminController, ADMIN_SERVICE } from './admin.controller';
import type { AdminService } from './admin.service';
import type { LedgerBridgeServiceConfig } from '../config';

/**
 * Network administration over HTTP, present when the bridge is the operator's (it is given the
 * native network's stack folder and a wallet); absent otherwise. The administration itself lives in
 * the bridge, which also serves it over Kafka (network commands, agreements).
 */
@Module({})
export class AdminModule {
  static forConfig(config: LedgerBridgeServiceConfig): DynamicModule {
    if (!config.settings.admin || !config.settings.walletDir) return { module: AdminModule };
    return {
      module: AdminModule,
      imports: [LedgerBridgeModule],
      controllers: [AdminController],
      providers: [
        {
          provide: ADMIN_SERVICE,
          inject: [LedgerBridge],
          useFactory: (bridge: LedgerBridge): AdminService => {
            if (!bridge.admin) throw new Error('the ledger bridge was configured for administration but has none');
            return bridge.admin;
          },
        },
      ],
    };
  }
}
