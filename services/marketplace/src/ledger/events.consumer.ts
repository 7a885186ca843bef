import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KAFKA } from '@datawell/service-platform';
import {
  ContractValidationError,
  DAO,
  decodeCatalogueEvent,
  decodeCloudEvent,
  decodeLedgerEvent,
  LEDGER_RECEIPT_TYPE,
  ledgerReceiptSchema,
  MARKETPLACE,
  NETWORK_EVENT_TYPE,
  networkEventSchema,
  type LedgerEvent,
} from '@datawell/contracts';
import { createOutboxRelay, processOnce, startTopicConsumer, writeOutbox, type OutboxPublisher, type TopicConsumer } from '@datawell/messaging';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { EntityManager } from 'typeorm';
import { DaosService } from '../daos/daos.service';
import { FeedbackService } from '../feedback/feedback.service';
import { OffersService } from '../offers/offers.service';
import { ParticipantsService } from '../participants/participants.service';
import { Store } from '../store';

/** A message that can never be applied (malformed): logged and skipped rather than redelivered forever. */
class Unusable extends Error {}

/**
 * The read models' inputs: ledger events (participants, offers, feedback, DAOs), the bridge's
 * network events (onboarding, enrollment) and receipts of the marketplace's own commands. Each
 * message is applied once (inbox) in one transaction with what it causes (outbox).
 */
@Injectable()
export class MarketplaceEvents implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #logger = new Logger('MarketplaceEvents');
  #consumer: TopicConsumer | undefined;
  readonly #outbox: OutboxPublisher;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly store: Store,
    private readonly participants: ParticipantsService,
    private readonly offers: OffersService,
    private readonly feedback: FeedbackService,
    private readonly daos: DaosService,
  ) {
    this.#outbox = createOutboxRelay({ dataSource: store.dataSource, schema: store.schema, kafka, logger: this.#logger });
    store.onWritten(() => this.#outbox.notify());
  }

  onApplicationBootstrap(): void {
    this.#outbox.start();
    const { topics, groupId } = this.store.settings;
    this.#consumer = startTopicConsumer({
      kafka: this.kafka,
      groupId,
      topics: [topics.ledgerEvents, topics.networkEvents, topics.ledgerReceipts],
      logger: this.#logger,
      handle: (message, topic) => this.handle(message, topic),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#consumer?.stop();
    await this.#outbox.stop();
  }

  async handle(message: KafkaMessage, topic: string): Promise<void> {
    const { topics } = this.store.settings;
    try {
      if (topic === topics.ledgerEvents) await this.#ledgerEvent(message.value);
      else if (topic === topics.networkEvents) await this.#networkEvent(message.value);
      else if (topic === topics.ledgerReceipts) await this.#receipt(message.value);
    } catch (error) {
      if (!(error instanceof ContractValidationError || error instanceof Unusable)) throw error;
      this.#logger.warn({ message: 'skipped an unusable message', topic, offset: message.offset, error: error.message });
    }
  }

  async #once(consumer: string, eventId: string, effect: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return processOnce(this.store.dataSource, this.store.schema, consumer, eventId, effect);
  }

  async #ledgerEvent(value: Buffer | null): Promise<void> {
    const event = decodeLedgerEvent(value);
    const data = event.data;
    const apply = this.#ledgerEffect(event.id, data);
    if (!apply) return;
    await this.#once('marketplace.ledger-events', event.id, apply);
  }

  #ledgerEffect(eventId: string, e: LedgerEvent): ((manager: EntityManager) => Promise<void>) | undefined {
    const event = decodeCatalogueEvent(e);
    if (!event) return undefined;
    switch (event.name) {
      case MARKETPLACE.event.ParticipantRegistered: {
        const v = event.payload;
        return (m) => this.participants.onParticipantRegistered(m, v);
      }
      case MARKETPLACE.event.OfferPosted:
      case MARKETPLACE.event.OfferUpdated: {
        const v = event.payload;
        return (m) => this.offers.onOffer(m, v);
      }
      case MARKETPLACE.event.OfferWithdrawn: {
        const v = event.payload;
        return (m) => this.offers.onWithdrawn(m, v);
      }
      case MARKETPLACE.event.FeedbackSubmitted: {
        const v = event.payload;
        return (m) => this.feedback.onFeedbackSubmitted(m, v);
      }
      case DAO.event.VersionCreated: {
        const v = event.payload;
        // The read model keeps the agreement and β of every version.
        if (v.agreementId === undefined || v.betaPpm === undefined) throw new Unusable(`${event.name}: agreementId and betaPpm are required`);
        const version = { ...v, agreementId: v.agreementId, betaPpm: v.betaPpm };
        return (m) => this.daos.onVersionCreated(m, e.channel, version);
      }
      case DAO.event.VersionSuperseded:
        return (m) => this.daos.onVersionSuperseded(m, e.channel);
      case DAO.event.MemberAbandoned:
      case DAO.event.MemberExited: {
        const v = event.payload;
        const status = event.name === DAO.event.MemberAbandoned ? 'abandoned' : 'exited';
        return (m) => this.daos.onMemberEnded(m, e.channel, v, status);
      }
      case DAO.event.RevenueRecorded:
      case DAO.event.AllocationReceived: {
        const { allocation } = event.payload;
        const payouts = allocation.payouts;
        if (!payouts) throw new Unusable(`${event.name}: allocation.payouts is required`);
        const revenueId = event.name === DAO.event.RevenueRecorded ? event.payload.revenueId : undefined;
        const daoId = event.daoId;
        return (m) => this.daos.onAllocation(m, eventId, daoId, e.channel, { ...allocation, payouts }, revenueId);
      }
      default:
        return undefined;
    }
  }

  async #networkEvent(value: Buffer | null): Promise<void> {
    const event = decodeCloudEvent(value, NETWORK_EVENT_TYPE, networkEventSchema);
    let wrote = false;
    await this.#once('marketplace.network-events', event.id, (manager) =>
      this.participants.onNetworkEvent(manager, event.data, async (...messages) => {
        await writeOutbox(manager, this.store.schema, messages);
        wrote = true;
      }),
    );
    if (wrote) this.#outbox.notify();
  }

  async #receipt(value: Buffer | null): Promise<void> {
    const receipt = decodeCloudEvent(value, LEDGER_RECEIPT_TYPE, ledgerReceiptSchema).data;
    if (receipt.status !== 'failed' || !receipt.commandId.startsWith('marketplace:')) return;
    await this.#once('marketplace.receipts', receipt.commandId, async (manager) => {
      await this.offers.onCommandFailed(manager, receipt.commandId, receipt.errorCode, receipt.errorMessage);
      await this.feedback.onCommandFailed(manager, receipt.commandId, receipt.errorCode);
      await this.daos.onCommandFailed(manager, receipt.commandId, receipt.errorCode);
    });
  }
}
