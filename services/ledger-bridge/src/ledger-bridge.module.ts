import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KAFKA, SERVICE_CONFIG, type ServiceConfig } from '@datawell/config';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { stackPeerDirectory } from './admin/fabric-admin.adapter';
import { LedgerBridge } from './ledger-bridge';

/** Runs the bridge for the life of the Nest application. */
@Injectable()
export class LedgerBridgeRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly bridge: LedgerBridge;

  constructor(
    @Inject(SERVICE_CONFIG) config: ServiceConfig<'ledger-bridge'>,
    @Inject(KAFKA) kafka: Kafka,
    @InjectDataSource() dataSource: DataSource,
  ) {
    this.bridge = new LedgerBridge({
      dataSource,
      schema: config.postgres.schema,
      kafka,
      settings: config.ledger,
      logger: new Logger('LedgerBridge'),
      ...(config.ledger.admin ? { peers: stackPeerDirectory(config.ledger.admin) } : {}),
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
