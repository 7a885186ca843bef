import type { TelemetrySettings } from '@datawell/config';
import { createOutboxRelay, ensureTopics, type ConnectionLogger, type OutboxPublisher } from '@datawell/messaging';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { FoldService } from './fold/fold.service';
import { HeartbeatService } from './heartbeats/heartbeat.service';
import { HeartbeatStore } from './heartbeats/heartbeat-store.adapter';
import { Subscription } from './kafka/subscription.adapter';
import { LiveViewService } from './live/live-view.service';
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
}

/**
 * Telemetry's moving parts, started and stopped together: the ledger events, receipts and heartbeats
 * consumers, the fold loop and the outbox relay that publishes its ledger commands.
 */
export class Telemetry {
  readonly repository: TelemetryRepository;
  readonly store: HeartbeatStore;
  readonly heartbeats: HeartbeatService;
  readonly fold: FoldService;
  readonly live: LiveViewService;
  readonly #outbox: OutboxPublisher;
  readonly #subscriptions: Subscription[];
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly options: TelemetryOptions) {
    const { dataSource, schema, kafka, redis, settings, logger } = options;
    this.repository = new TelemetryRepository(dataSource, schema);
    this.store = new HeartbeatStore(redis, settings.redisKeyPrefix);
    this.heartbeats = new HeartbeatService({ repository: this.repository, store: this.store, logger, pendingHeartbeatTtlMs: settings.pendingHeartbeatTtlMs });
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
      logger,
      onWritten: () => this.#outbox.notify(),
    });
    this.live = new LiveViewService(this.repository, this.store);
    const events = new LedgerEventsService(this.repository, logger);
    const group = (name: string) => `${settings.groupIdPrefix}-${name}`;
    this.#subscriptions = [
      new Subscription({ kafka, logger, topic: settings.topics.ledgerEvents, groupId: group('ledger-events'), handle: (v) => events.handleEvent(v) }),
      new Subscription({ kafka, logger, topic: settings.topics.ledgerReceipts, groupId: group('receipts'), handle: (v) => events.handleReceipt(v) }),
      new Subscription({
        kafka,
        logger,
        topic: settings.topics.telemetry,
        groupId: group('heartbeats'),
        handle: async (v) => {
          await this.heartbeats.handle(v);
        },
      }),
    ];
  }

  async start(): Promise<void> {
    const { kafka, settings, logger } = this.options;
    const { topics } = settings;
    // The topics exist before the consumers join (the broker does not create them on first use).
    await ensureTopics(kafka, [topics.ledgerEvents, topics.ledgerCommands, topics.ledgerReceipts, topics.telemetry]).catch((error: unknown) =>
      logger.warn({ message: 'cannot create the telemetry topics yet; the consumers retry', error: String(error) }),
    );
    this.#outbox.start();
    for (const s of this.#subscriptions) s.start();
    this.#running = true;
    this.#loop = this.#foldLoop();
  }

  async #foldLoop(): Promise<void> {
    while (this.#running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.settings.foldIntervalMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (!this.#running) return;
      try {
        await this.fold.tick();
      } catch (error) {
        this.options.logger.warn({ message: 'fold failed; retrying next interval', error: String(error) });
      }
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    for (const s of this.#subscriptions) await s.stop();
    await this.#outbox.stop();
  }
}
