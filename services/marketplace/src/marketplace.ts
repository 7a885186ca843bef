import { createOutboxRelay, type ConnectionLogger, type OutboxPublisher } from '@datawell/messaging';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { CommandsRepository } from './commands/commands.repository';
import { CommandsService } from './commands/commands.service';
import { DaosRepository } from './daos/daos.repository';
import { DaosService } from './daos/daos.service';
import { FeedbackRepository } from './feedback/feedback.repository';
import { FeedbackService } from './feedback/feedback.service';
import { MarketplaceEvents } from './ledger/events.consumer';
import { OffersRepository } from './offers/offers.repository';
import { OffersService } from './offers/offers.service';
import { ParticipantsRepository } from './participants/participants.repository';
import { ParticipantsService } from './participants/participants.service';
import { Store } from './store';
import type { MarketplaceConfig } from './config';

export interface MarketplaceOptions {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly kafka: Kafka;
  readonly settings: MarketplaceConfig['settings'];
  readonly logger: ConnectionLogger;
}

/**
 * The marketplace's composition root: the store (SQL in the schema, state and outbox in one
 * transaction), one repository and one service per feature (participants, offers, feedback, DAOs, the
 * ledger commands sent for callers),
 * the outbox relay and the consumer of ledger events, network events and receipts. `start` runs the
 * relay and the consumer, `stop` ends them; the Nest module (marketplace.module.ts) calls both.
 */
export class Marketplace {
  readonly store: Store;
  readonly participants: ParticipantsService;
  readonly offers: OffersService;
  readonly feedback: FeedbackService;
  readonly daos: DaosService;
  readonly commands: CommandsService;
  readonly events: MarketplaceEvents;
  readonly #outbox: OutboxPublisher;

  constructor({ dataSource, schema, kafka, settings, logger }: MarketplaceOptions) {
    this.#outbox = createOutboxRelay({ dataSource, schema, kafka, logger });
    const wakeOutbox = () => this.#outbox.notify();
    this.store = new Store(dataSource, schema, settings, wakeOutbox);
    this.participants = new ParticipantsService(this.store, new ParticipantsRepository(this.store));
    this.commands = new CommandsService(this.store, new CommandsRepository(this.store));
    this.daos = new DaosService(this.store, new DaosRepository(this.store), this.commands);
    this.offers = new OffersService(this.store, new OffersRepository(this.store), this.participants, this.commands);
    this.feedback = new FeedbackService(this.store, new FeedbackRepository(this.store), this.participants, this.daos, this.commands);
    this.events = new MarketplaceEvents(kafka, this.store, this.participants, this.offers, this.feedback, this.daos, this.commands, logger, wakeOutbox);
  }

  start(): void {
    this.#outbox.start();
    this.events.start();
  }

  async stop(): Promise<void> {
    await this.events.stop();
    await this.#outbox.stop();
  }
}
