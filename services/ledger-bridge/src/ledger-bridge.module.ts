import { type BeforeApplicationShutdown, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { KAFKA, SERVICE_CONFIG } from '@datawell/service-platform';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { stackPeerDirectory } from './admin/fabric-admin.adapter';
import { LedgerBridge } from './ledger-bridge';
import type { LedgerBridgeServiceConfig } from './config';

/**
 * The bridge in Nest: the composition root `LedgerBridge` (ledger-bridge.ts) comes from this
 * factory, from the platform's resources (settings, Kafka client, DataSource; the operator's peers
 * when it administers the network); this module starts it once the application has booted and stops
 * it at shutdown. The HTTP features (admin/, member-network/) are their own modules, which take
 * their services from the root.
 */
@Module({
  providers: [
    {
      provide: LedgerBridge,
      inject: [SERVICE_CONFIG, KAFKA, getDataSourceToken()],
      useFactory: (config: LedgerBridgeServiceConfig, kafka: Kafka, dataSource: DataSource) =>
        new LedgerBridge({
          dataSource,
          schema: config.postgres.schema,
          kafka,
          settings: config.settings,
          logger: new Logger('LedgerBridge'),
          ...(config.settings.admin ? { peers: stackPeerDirectory(config.settings.admin) } : {}),
        }),
    },
  ],
  exports: [LedgerBridge],
})
export class LedgerBridgeModule implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(private readonly bridge: LedgerBridge) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bridge.start();
  }

  /**
   * The live streams end first: Nest closes the HTTP server (waiting for open connections) before the
   * shutdown hooks, and an open DAO stream would hold it until the process is killed.
   */
  beforeApplicationShutdown(): void {
    this.bridge.live.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bridge.stop();
  }
}
