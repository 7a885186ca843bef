import { IdentityDirectory } from '@datawell/auth';
import type { ConnectionLogger, TopicConsumer } from '@datawell/messaging';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { CoordinatorRepository } from './computations/computations.repository';
import { ComputationsService } from './computations/computations.service';
import { CoordinatorQueue } from './computations/job-queue.adapter';
import { NodeClient, readNodeClientTls } from './computations/node-client.adapter';
import { RedisRefusalLimit } from './computations/refusal-limit';
import { startLedgerEventsConsumer } from './ledger/ledger-events.consumer';
import type { MpcCoordinatorSettings } from './config';

export interface MpcCoordinatorOptions {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly kafka: Kafka;
  /** The job queue's Redis (DATAWELL_REDIS_URL); the coordinator cannot run without it. */
  readonly redisUrl: string | undefined;
  /** The platform's Redis client (the same DATAWELL_REDIS_URL): the limit on refused requests. */
  readonly redis: Redis;
  /** The app's metrics registry (its throttled refusals' counter). */
  readonly registry?: Registry;
  readonly settings: MpcCoordinatorSettings;
  readonly logger: ConnectionLogger;
}

/**
 * The coordinator's composition root: the repository, the computations service, the job queue and
 * its worker, the client of the members' MPC nodes and the ledger-events consumer of the read model.
 * It sends no ledger command: it signs as no member (custody removed, issue #11). `start` runs the
 * consumer and the worker, `stop` ends them; the Nest module (mpc-coordinator.module.ts) calls both.
 */
export class MpcCoordinator {
  readonly computations: ComputationsService;
  readonly repository: CoordinatorRepository;
  readonly #queue: CoordinatorQueue;
  readonly #nodes: NodeClient;
  #consumer: TopicConsumer | undefined;

  constructor(private readonly options: MpcCoordinatorOptions) {
    const { dataSource, schema, redisUrl, redis, registry, settings, logger } = options;
    if (!redisUrl) throw new Error('the mpc-coordinator needs Redis (DATAWELL_REDIS_URL)');
    this.repository = new CoordinatorRepository(dataSource, schema);
    this.#queue = new CoordinatorQueue(redisUrl, settings.queue, logger);
    this.#nodes = new NodeClient(settings.nodeTimeoutMs, readNodeClientTls(settings.nodeTls));
    if (!settings.nodeTls) logger.warn({ message: 'no node TLS files (MPC_COORDINATOR_NODE_TLS_*): computations cannot reach any node' });
    this.computations = new ComputationsService({
      repository: this.repository,
      jobs: this.#queue,
      nodes: this.#nodes,
      settings,
      logger,
      // Keyed by the queue's name: the coordinators of one queue share the limit.
      refusals: new RedisRefusalLimit(redis, settings.queue, settings.refusals, logger, registry),
      // The table the platform's auth module keeps from ParticipantRegistered, in this service's schema.
      directory: new IdentityDirectory(dataSource, schema),
    });
  }

  start(): void {
    const { kafka, dataSource, schema, settings, logger } = this.options;
    this.#consumer = startLedgerEventsConsumer({
      kafka,
      topic: settings.topics.ledgerEvents,
      groupId: `${settings.consumerGroupId}-ledger-events`,
      dataSource,
      schema,
      repository: this.repository,
      logger,
    });
    this.#queue.process((job) => this.computations.run(job));
    // In the background: boot must not wait for Redis (/health reports it while it is away).
    void this.#queue.scheduleTopUp(settings.topUpIntervalMs).catch((error: unknown) =>
      logger.warn({ message: 'could not schedule the preprocessing top-up', error: String(error) }),
    );
  }

  /** Runs a top-up now (through the queue, so it never overlaps a computation). */
  topUpNow(): Promise<void> {
    return this.#queue.addTopUp();
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = undefined;
    await this.#queue.close();
    this.#nodes.close();
  }
}
