import type { TelemetrySettings } from './config';
import { createOutboxRelay, ensureTopics, startLedgerEventConsumer, startTopicConsumer, withTimeout, type ConnectionLogger, type OutboxPublisher, type TopicConsumer } from '@datawell/messaging';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { FoldService } from './fold/fold.service';
import { HeartbeatService } from './heartbeats/heartbeat.service';
import { HeartbeatStore } from './heartbeats/heartbeat-store.adapter';
import { LiveViewService } from './live/live-view.service';
import { telemetryCounters } from './metrics';
import { LedgerEventsService } from './model/ledger-events.service';
import { TelemetryRepository } from './model/telemetry.repository';

export interface TelemetryOptions {
  readonly dataSource: DataSource;
  /** The PostgreSQL schema holding telemetry's tables (migrated already). */
  readonly schema: string;
  readonly kafka: Kafka;
  readonly redis: Redis;
  readonly settings: TelemetrySettings;
  readonly logger: ConnectionLogger;
  readonly outboxPollIntervalMs?: number;
  /** Where the counters are registered (the application's, for GET /metrics). */
  readonly registry?: Registry;
}

/**
 * Telemetry's composition root, started and stopped together (by the Nest module, telemetry.module.ts): the ledger events, receipts and heartbeats
 * consumers, the fold loop and the outbox relay that publishes its ledger commands.
 */
export class Telemetry {
  readonly repository: TelemetryRepository;
  readonly store: HeartbeatStore;
  readonly heartbeats: HeartbeatService;
  readonly fold: FoldService;
  readonly live: LiveViewService;
  readonly #outbox: OutboxPublisher;
  /** Starts each consumer (once the topics exist). */
  readonly #subscriptions: Array<() => TopicConsumer>;
  #consumers: TopicConsumer[] = [];
  /** Starts the heartbeats' consumer, whose backlog gates abandonment (FoldServiceOptions.heartbeatsCaughtUp). */
  readonly #startHeartbeats: () => TopicConsumer;
  #heartbeatConsumer: TopicConsumer | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  readonly #wakers = new Set<() => void>();

  constructor(private readonly options: TelemetryOptions) {
    const { dataSource, schema, kafka, redis, settings, logger } = options;
    const counters = telemetryCounters(options.registry);
    this.repository = new TelemetryRepository(dataSource, schema);
    this.store = new HeartbeatStore(redis, settings.redisKeyPrefix);
    this.heartbeats = new HeartbeatService({ repository: this.repository, store: this.store, logger, pendingHeartbeatTtlMs: settings.pendingHeartbeatTtlMs, counters });
    this.#outbox = createOutboxRelay({
      dataSource,
      schema,
      kafka,
      logger,
      ...(options.outboxPollIntervalMs ? { pollIntervalMs: options.outboxPollIntervalMs } : {}),
    });
    this.fold = new FoldService({
      repository: this.repository,
      store: this.store,
      heartbeats: this.heartbeats,
      commandsTopic: settings.topics.ledgerCommands,
      ...(settings.member ? { memberMspId: settings.member.mspId } : {}),
      logger,
      counters,
      wakeOutbox: () => this.#outbox.notify(),
      registrationGraceMs: settings.registrationGraceSeconds * 1000,
      heartbeatsCaughtUp: () => this.#heartbeatConsumer?.caughtUp() ?? false,
    });
    this.live = new LiveViewService(this.repository, this.store);
    const events = new LedgerEventsService(this.repository, logger);
    const group = (name: string) => `${settings.groupIdPrefix}-${name}`;
    this.#subscriptions = [
      () =>
        startLedgerEventConsumer({
          kafka,
          logger,
          topic: settings.topics.ledgerEvents,
          groupId: group('ledger-events'),
          inbox: events.inbox,
          handlers: events.handlers,
          unusable: events.unusable,
        }),
      () => startTopicConsumer({ kafka, logger, topics: [settings.topics.ledgerReceipts], groupId: group('receipts'), handle: (m) => events.handleReceipt(m.value) }),
    ];
    this.#startHeartbeats = () =>
      startTopicConsumer({
        kafka,
        logger,
        topics: [settings.topics.telemetry],
        groupId: group('heartbeats'),
        trackBacklog: true,
        handle: async (m) => {
          // Commands to a Redis that is away would queue without end: let Kafka redeliver instead.
          if (redis.status !== 'ready') throw new Error(`redis not ready (${redis.status})`);
          await this.heartbeats.handle(m.value);
        },
      });
  }

  /** Starts the outbox relay and the fold loop now, and the consumers once their topics exist. */
  async start(): Promise<void> {
    this.#running = true;
    this.#outbox.start();
    this.#loop = this.#foldLoop();
    this.#starting = this.#startConsumers();
  }

  /** The broker does not create topics on first use: they are made to exist first, retried while Kafka is away. */
  async #startConsumers(): Promise<void> {
    const { kafka, settings, logger } = this.options;
    const { topics } = settings;
    for (let delay = 1000; this.#running; delay = Math.min(delay * 2, 30_000)) {
      try {
        await ensureTopics(kafka, [topics.ledgerEvents, topics.ledgerCommands, topics.ledgerReceipts, topics.telemetry]);
        break;
      } catch (error) {
        logger.warn({ message: 'cannot create the telemetry topics yet; retrying', error: String(error), delayMs: delay });
        await this.#sleep(delay);
      }
    }
    if (this.#running) {
      this.#heartbeatConsumer = this.#startHeartbeats();
      this.#consumers = [...this.#subscriptions.map((start) => start()), this.#heartbeatConsumer];
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  async #foldLoop(): Promise<void> {
    while (this.#running) {
      await this.#sleep(this.options.settings.foldIntervalMs);
      // Commands to a Redis that is away would queue without end; the next interval tries again.
      if (!this.#running || this.options.redis.status !== 'ready') continue;
      try {
        await this.fold.tick();
      } catch (error) {
        this.options.logger.warn({ message: 'fold failed; retrying next interval', error: String(error) });
      }
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
    await withTimeout(Promise.all([this.#loop, this.#starting]), 10_000, 'telemetry fold loop').catch((error: unknown) =>
      this.options.logger.warn({ message: 'stopping without waiting for the fold loop', error: String(error) }),
    );
    // Together: each consumer waits out its fetch (up to kafkajs's 5 s) before leaving its group.
    await Promise.all(this.#consumers.splice(0).map((c) => c.stop()));
    await this.#outbox.stop();
  }
}
