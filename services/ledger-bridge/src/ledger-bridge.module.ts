import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KAFKA, SERVICE_CONFIG } from '@datawell/service-platform';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { stackPeerDirectory } from './admin/fabric-admin.adapter';
import { LedgerBridge } from './ledger-bridge';
import type { LedgerBridgeServiceConfig } from './config';

/** Runs the bridge for the life of the Nest application. */
@Injectable()
export class LedgerBridgeRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly bridge: LedgerBridge;

  constructor(
    @Inject(SERVICE_CONFIG) config: LedgerBridgeServiceConfig,
    @Inject(KAFKA) kafka: Kafka,
    @InjectDataSource() dataSource: DataSource,
  ) {
    this.bridge = new LedgerBridge({
      dataSource,
      schema: config.postgres.schema,
      kafka,
      settings: config.settings,
      logger: new Logger('LedgerBridge'),
      ...(config.settings.admin ? { peers: stackPeerDirectory(config.settings.admin) } : {}),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bridge.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bridge.stop();
  }
}

@Module({ providers: [LedgerBridgeRuntime], exports: [LedgerBridgeRuntime] })
export class LedgerBridgeModule {}
