import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KAFKA } from '@datawell/service-platform';
import {
  allocationPayoutsPayloadSchema,
  ContractValidationError,
  decodeCloudEvent,
  decodeLedgerEvent,
  LEDGER_RECEIPT_TYPE,
  ledgerReceiptSchema,
  MARKETPLACE_CHANNEL,
  memberLeftPayloadSchema,
  NETWORK_EVENT_TYPE,
  networkEventSchema,
  parseDaoChannel,
  versionCreatedPayloadSchema,
  type LedgerEvent,
} from '@datawell/contracts';
import { createOutboxRelay, processOnce, startTopicConsumer, writeOutbox, type OutboxPublisher, type TopicConsumer } from '@datawell/messaging';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { DaosService } from '../daos/daos.service';
import { FeedbackService } from '../feedback/feedback.service';
import { OffersService } from '../offers/offers.service';
import { ParticipantsService } from '../participants/participants.service';
import { Store } from '../store';

const payloads = {
  ParticipantRegistered: z.looseObject({ mspId: z.string().min(1), role: z.enum(['DSP', 'VSP']), name: z.string(), caCertPem: z.string().optional() }),
  offer: z.looseObject({
    offerId: z.string().min(1),
    owner: z.string().min(1),
    kind: z.enum(['data', 'value']),
    title: z.string(),
    terms: z.record(z.string(), z.unknown()),
    descriptionDigest: z.string(),
    status: z.enum(['open', 'withdrawn']),
    revision: z.number().int(),
  }),
  OfferWithdrawn: z.looseObject({ offerId: z.string().min(1), revision: z.number().int() }),
  FeedbackSubmitted: z.looseObject({
    feedback: z.looseObject({ daoId: z.string(), from: z.string(), target: z.string() }),
    reputation: z.looseObject({ mspId: z.string(), count: z.number().int(), sum: z.number().int(), scoreMilli: z.number().int() }),
  }),
  VersionCreated: versionCreatedPayloadSchema.extend({ agreementId: z.string(), betaPpm: z.number().int(), terms: z.unknown() }),
  MemberEnded: memberLeftPayloadSchema,
  allocating: allocationPayoutsPayloadSchema,
};

/** A message that can never be applied (malformed): logged and skipped rather than redelivered forever. */
class Unusable extends Error {}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new Unusable(`${what}: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
  return r.data;
}

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
    this.#outbox = createOutboxRelay({ dataSource: store.dataSource, schema: store.schema, kafka, logger: this.#logger, pollIntervalMs: 200 });
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
    const p = e.payload;
    if (e.channel === MARKETPLACE_CHANNEL) {
      switch (e.eventName) {
        case 'ParticipantRegistered': {
          const v = parse(payloads.ParticipantRegistered, p, e.eventName);
          return (m) => this.participants.onParticipantRegistered(m, v);
        }
        case 'OfferPosted':
        case 'OfferUpdated': {
          const v = parse(payloads.offer, p, e.eventName);
          return (m) => this.offers.onOffer(m, v);
        }
        case 'OfferWithdrawn': {
          const v = parse(payloads.OfferWithdrawn, p, e.eventName);
          return (m) => this.offers.onWithdrawn(m, v);
        }
        case 'FeedbackSubmitted': {
          const v = parse(payloads.FeedbackSubmitted, p, e.eventName);
          return (m) => this.feedback.onFeedbackSubmitted(m, v);
        }
        default:
          return undefined;
      }
    }
    const dao = parseDaoChannel(e.channel);
    if (!dao) return undefined;
    switch (e.eventName) {
      case 'VersionCreated': {
        const v = parse(payloads.VersionCreated, p, e.eventName);
        return (m) => this.daos.onVersionCreated(m, e.channel, v);
      }
      case 'VersionSuperseded':
        return (m) => this.daos.onVersionSuperseded(m, e.channel);
      case 'MemberAbandoned':
      case 'MemberExited': {
        const v = parse(payloads.MemberEnded, p, e.eventName);
        return (m) => this.daos.onMemberEnded(m, e.channel, v, e.eventName === 'MemberAbandoned' ? 'abandoned' : 'exited');
      }
      case 'RevenueRecorded':
      case 'AllocationReceived': {
        const v = parse(payloads.allocating, p, e.eventName);
        return (m) => this.daos.onAllocation(m, eventId, dao.daoId, e.channel, v.allocation, e.eventName === 'RevenueRecorded' ? v.revenueId : undefined);
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
