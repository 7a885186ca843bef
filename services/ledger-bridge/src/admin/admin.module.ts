import { Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG, type ServiceConfig } from '@datawell/config';
import { LedgerBridgeModule, LedgerBridgeRuntime } from '../ledger-bridge.module';
import { FileWallet } from '../wallet/wallet.adapter';
import { AdminController, ADMIN_SERVICE } from './admin.controller';
import { AdminService } from './admin.service';
import { stackFabricAdmin } from './fabric-admin.adapter';
import { GatewayOrgLedger } from './org-ledger.adapter';

/** Owns the admin's gateway connections for the life of the application. */
@Injectable()
class AdminRuntime implements OnApplicationShutdown {
  readonly service: AdminService;
  readonly #ledger: GatewayOrgLedger;

  constructor(config: ServiceConfig<'ledger-bridge'>, runtime: LedgerBridgeRuntime) {
    const admin = config.ledger.admin!;
    const wallet = new FileWallet(config.ledger.walletDir!);
    const fabric = stackFabricAdmin(admin);
    this.#ledger = new GatewayOrgLedger(fabric, wallet);
    this.service = new AdminService(fabric, wallet, this.#ledger, {
      register: async (name, chaincodes, actingMspId) => {
        await runtime.bridge.addChannel({ name, chaincodes, actingMspId });
      },
    });
  }

  onApplicationShutdown(): void {
    this.#ledger.close();
  }
}

/**
 * Network administration over HTTP, present when the bridge is the operator's (it is given the
 * native network's stack folder and a wallet); absent otherwise.
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
        { provide: AdminRuntime, inject: [SERVICE_CONFIG, LedgerBridgeRuntime], useFactory: (c: ServiceConfig<'ledger-bridge'>, r: LedgerBridgeRuntime) => new AdminRuntime(c, r) },
        { provide: ADMIN_SERVICE, inject: [AdminRuntime], useFactory: (r: AdminRuntime) => r.service },
      ],
    };
  }
}
