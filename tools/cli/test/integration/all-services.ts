import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp, type GrpcServiceOptions } from '@datawell/service-platform';
import { enrollClientIdentity } from '@datawell/stack';
import { hex, REPO_DIR, stackConnection, testStackContext, type ServiceUnderTest } from '@datawell/testing';
import { AppModule as LedgerBridgeApp } from '../../../../services/ledger-bridge/src/app.module';
import { ledgerBridgeService } from '../../../../services/ledger-bridge/src/config';
import { FileWallet } from '../../../../services/ledger-bridge/src/wallet/wallet.adapter';
import { AppModule as MarketplaceApp } from '../../../../services/marketplace/src/app.module';
import { marketplaceService } from '../../../../services/marketplace/src/config';
import { MARKETPLACE_GRPC } from '../../../../services/marketplace/src/grpc/marketplace.grpc';
import { AppModule as CoordinatorApp } from '../../../../services/mpc-coordinator/src/app.module';
import { mpcCoordinatorService } from '../../../../services/mpc-coordinator/src/config';
import { MPC_COORDINATOR_GRPC } from '../../../../services/mpc-coordinator/src/grpc/coordinator.grpc';
import { AppModule as NegotiationApp } from '../../../../services/negotiation/src/app.module';
import { negotiationService } from '../../../../services/negotiation/src/config';
import { NEGOTIATION_GRPC } from '../../../../services/negotiation/src/grpc/negotiation.grpc';
import { AppModule as ProvisionerApp } from '../../../../services/provisioner/src/app.module';
import { provisionerService } from '../../../../services/provisioner/src/config';
import { PROVISIONER_GRPC } from '../../../../services/provisioner/src/grpc/provisioner.grpc';
import { AppModule as TelemetryApp } from '../../../../services/telemetry/src/app.module';
import { telemetryService } from '../../../../services/telemetry/src/config';
import { TELEMETRY_GRPC } from '../../../../services/telemetry/src/grpc/telemetry.grpc';

/** A service of the six, with the gRPC service it serves (the ledger bridge's is not in the matrix). */
export interface DatawellService extends ServiceUnderTest {
  readonly grpc?: GrpcServiceOptions;
}

/**
 * The six services as the API security matrix and the schemathesis run boot them (libs/testing
 * bootAllServices), in this order; the ledger bridge is the operator's, with its network
 * administration (the /admin routes) and a wallet holding a fresh client identity of the operator.
 */
export const ALL_SERVICES: readonly DatawellService[] = [
  { name: 'marketplace', schema: marketplaceService.spec.schema, grpc: MARKETPLACE_GRPC, createApp: (env) => createServiceApp(loadServiceConfig(marketplaceService, env), MarketplaceApp.forConfig) },
  { name: 'negotiation', schema: negotiationService.spec.schema, grpc: NEGOTIATION_GRPC, createApp: (env) => createServiceApp(loadServiceConfig(negotiationService, env), NegotiationApp.forConfig) },
  { name: 'provisioner', schema: provisionerService.spec.schema, grpc: PROVISIONER_GRPC, createApp: (env) => createServiceApp(loadServiceConfig(provisionerService, env), ProvisionerApp.forConfig) },
  { name: 'telemetry', schema: telemetryService.spec.schema, grpc: TELEMETRY_GRPC, createApp: (env) => createServiceApp(loadServiceConfig(telemetryService, env), TelemetryApp.forConfig) },
  {
    name: 'mpc-coordinator',
    schema: mpcCoordinatorService.spec.schema,
    grpc: MPC_COORDINATOR_GRPC,
    createApp: (env) => createServiceApp(loadServiceConfig(mpcCoordinatorService, { ...env, MPC_COORDINATOR_TOPUP_INTERVAL_MS: '0' }), CoordinatorApp.forConfig),
  },
  {
    name: 'ledger-bridge',
    schema: ledgerBridgeService.spec.schema,
    createApp: async (env, { scratchDir, label }) => {
      const ctx = testStackContext();
      const walletDir = join(scratchDir, 'wallet');
      mkdirSync(walletDir, { mode: 0o700 });
      await new FileWallet(walletDir).put(await enrollClientIdentity(ctx, 'OperatorMSP', `${label}-${hex()}`));
      const operator = stackConnection().fabric.orgs['OperatorMSP']!;
      return createServiceApp(
        loadServiceConfig(ledgerBridgeService, {
          ...env,
          LEDGER_BRIDGE_PEER_ENDPOINT: operator.peer.endpoint,
          LEDGER_BRIDGE_PEER_HOST_ALIAS: operator.peer.hostAlias,
          LEDGER_BRIDGE_PEER_TLS_CA_FILE: operator.peer.tlsCaFile,
          LEDGER_BRIDGE_WALLET_DIR: walletDir,
          LEDGER_BRIDGE_CHANNELS: '',
          LEDGER_BRIDGE_COMMANDS_GROUP_ID: `${label}-${hex()}`,
          LEDGER_BRIDGE_ADMIN_STACK_DIR: ctx.settings.stackDir,
          LEDGER_BRIDGE_ADMIN_CACHE_DIR: ctx.settings.cacheDir,
          LEDGER_BRIDGE_ADMIN_REPO_DIR: REPO_DIR,
        }),
        LedgerBridgeApp.forConfig,
      );
    },
  },
];
