import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { KAFKA, SERVICE_CONFIG } from '@datawell/service-platform';
import { createOutboxRelay, type OutboxPublisher, type TopicConsumer } from '@datawell/messaging';
import { CoordinatorGrpc } from '../grpc/coordinator.grpc';
import { startLedgerEventsConsumer } from '../ledger/ledger-events.consumer';
import { ComputationsController } from './computations.controller';
import { CoordinatorRepository } from './computations.repository';
import { ComputationsService } from './computations.service';
import { CoordinatorQueue } from './job-queue.adapter';
import { NodeClient, readNodeClientTls } from './node-client.adapter';
import type { MpcCoordinatorConfig } from '../config';

/** The coordinator's moving parts for the life of the application: consumer, outbox relay, queue and worker. */
@Injectable()
export class CoordinatorRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly service: ComputationsService;
  readonly repository: CoordinatorRepository;
  readonly #queue: CoordinatorQueue;
  readonly #relay: OutboxPublisher;
  readonly #nodes: NodeClient;
  readonly #logger = new Logger('Coordinator');
  #consumer: TopicConsumer | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MpcCoordinatorConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    const schema = config.postgres.schema;
    const settings = config.settings;
    if (!config.redis) throw new Error('the mpc-coordinator needs Redis (DATAWELL_REDIS_URL)');
    this.repository = new CoordinatorRepository(dataSource, schema);
    this.#queue = new CoordinatorQueue(config.redis.url, settings.queue, this.#logger);
    this.#relay = createOutboxRelay({ dataSource, schema, kafka, logger: new Logger('Outbox') });
    this.#nodes = new NodeClient(settings.nodeTimeoutMs, readNodeClientTls(settings.nodeTls));
    if (!settings.nodeTls) this.#logger.warn({ message: 'no node TLS files (MPC_COORDINATOR_NODE_TLS_*): computations cannot reach any node' });
    this.service = new ComputationsService({
      dataSource,
      schema,
      repository: this.repository,
      jobs: this.#queue,
      nodes: this.#nodes,
      settings,
      logger: this.#logger,
      wakeOutbox: () => this.#relay.notify(),
    });
  }

  onApplicationBootstrap(): void {
    const settings = this.config.settings;
    this.#consumer = startLedgerEventsConsumer({
      kafka: this.kafka,
      topic: settings.topics.ledgerEvents,
      groupId: `${settings.consumerGroupId}-ledger-events`,
      dataSource: this.dataSource,
      schema: this.config.postgres.schema,
      repository: this.repository,
      logger: new Logger('LedgerEvents'),
    });
    this.#relay.start();
    this.#queue.process((job) => this.service.run(job));
    // In the background: boot must not wait for Redis (/health reports it while it is away).
    void this.#queue.scheduleTopUp(settings.topUpIntervalMs).catch((error: unknown) =>
      this.#logger.warn({ message: 'could not schedule the preprocessing top-up', error: String(error) }),
    );
  }

  /** Runs a top-up now (through the queue, so it never overlaps a computation). */
  topUpNow(): Promise<void> {
    return this.#queue.addTopUp();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#consumer?.stop();
    await this.#queue.close();
    await this.#relay.stop();
    this.#nodes.close();
  }
}

@Module({
  controllers: [ComputationsController],
  providers: [CoordinatorRuntime, { provide: ComputationsService, useFactory: (rt: CoordinatorRuntime) => rt.service, inject: [CoordinatorRuntime] }, CoordinatorGrpc],
  exports: [CoordinatorRuntime],
})
export class ComputationsModule {}
