import { ContractValidationError, DAO, decodeCloudEvent, LEDGER_RECEIPT_TYPE, ledgerReceiptSchema, MARKETPLACE, MARKETPLACE_CHANNEL, NETWORK_EVENT_TYPE, networkEventSchema } from '@datawell/contracts';
import {
  ledgerEventHandler,
  processOnce,
  startTopicConsumer,
  UnusableLedgerEventError,
  writeOutbox,
  type ConnectionLogger,
  type LedgerEffect,
  type LedgerEventHandlers,
  type LedgerEventMeta,
  type LedgerEventOf,
  type TopicConsumer,
  type WakeOutbox,
} from '@datawell/messaging';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { EntityManager } from 'typeorm';
import type { CommandsService } from '../commands/commands.service';
import type { DaosService } from '../daos/daos.service';
import type { FeedbackService } from '../feedback/feedback.service';
import type { OffersService } from '../offers/offers.service';
import type { ParticipantsService } from '../participants/participants.service';
import type { Store } from '../store';

/**
 * The read models' inputs: ledger events (participants, offers, feedback, DAOs), the bridge's
 * network events (onboarding, enrollment) and receipts of the marketplace's own commands (their
 * outcome for the caller, GET /commands/:commandId). Each
 * message is applied once (inbox) in one transaction with what it causes (outbox).
 */
export class MarketplaceEvents {
  #consumer: TopicConsumer | undefined;
  readonly #ledgerEvent: (value: Buffer | null) => Promise<boolean>;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: Store,
    private readonly participants: ParticipantsService,
    private readonly offers: OffersService,
    private readonly feedback: FeedbackService,
    private readonly daos: DaosService,
    private readonly commands: CommandsService,
    private readonly logger: ConnectionLogger,
    /** Wakes the outbox relay after a transaction wrote to the outbox (its `notify`). */
    private readonly wakeOutbox: WakeOutbox,
  ) {
    // Ledger events through the messaging library's handler: these decisions, each applied once (inbox).
    this.#ledgerEvent = ledgerEventHandler({
      inbox: { dataSource: store.dataSource, schema: store.schema, consumer: 'marketplace.ledger-events' },
      handlers: this.#ledgerDecisions(),
      logger,
    });
  }

  start(): void {
    const { topics, groupId } = this.store.settings;
    this.#consumer = startTopicConsumer({
      kafka: this.kafka,
      groupId,
      topics: [topics.ledgerEvents, topics.networkEvents, topics.ledgerReceipts],
      logger: this.logger,
      handle: (message, topic) => this.handle(message, topic),
    });
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }

  async handle(message: KafkaMessage, topic: string): Promise<void> {
    const { topics } = this.store.settings;
    try {
      if (topic === topics.ledgerEvents) await this.#ledgerEvent(message.value);
      else if (topic === topics.networkEvents) await this.#networkEvent(message.value);
      else if (topic === topics.ledgerReceipts) await this.#receipt(message.value);
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      this.logger.warn({ message: 'skipped an unusable message', topic, offset: message.offset, error: error.message });
    }
  }

  async #once(consumer: string, eventId: string, effect: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return processOnce(this.store.dataSource, this.store.schema, consumer, eventId, effect);
  }

  #ledgerDecisions(): LedgerEventHandlers {
    const memberEnded =
      (status: 'abandoned' | 'exited') =>
      (event: LedgerEventOf<typeof DAO.event.MemberAbandoned | typeof DAO.event.MemberExited>, meta: LedgerEventMeta): LedgerEffect =>
      async (m) => {
        await this.daos.onMemberEnded(m, meta.ledger.channel, event.payload, status);
        if (status !== 'abandoned' || !event.daoId) return;
        // The abandonment counts against the member's reputation on `marketplace` (ReportAbandonment).
        const relayed = await this.feedback.relayAbandonment(m, { daoId: event.daoId, channel: meta.ledger.channel, member: event.payload.mspId, daoTxId: meta.ledger.transactionId });
        return relayed ? () => this.wakeOutbox() : undefined;
      };
    const allocation = (event: LedgerEventOf<typeof DAO.event.RevenueRecorded | typeof DAO.event.AllocationReceived>, meta: LedgerEventMeta): LedgerEffect => {
      const { allocation } = event.payload;
      const payouts = allocation.payouts;
      if (!payouts) throw new UnusableLedgerEventError(`${event.name}: allocation.payouts is required`);
      const revenueId = event.name === DAO.event.RevenueRecorded ? event.payload.revenueId : undefined;
      return (m) => this.daos.onAllocation(m, meta.id, event.daoId, meta.ledger.channel, { ...allocation, payouts }, revenueId);
    };
    return {
      [MARKETPLACE.event.ParticipantRegistered]: (event) => (m) => this.participants.onParticipantRegistered(m, event.payload),
      [MARKETPLACE.event.OfferPosted]: (event) => (m) => this.offers.onOffer(m, event.payload),
      [MARKETPLACE.event.OfferUpdated]: (event) => (m) => this.offers.onOffer(m, event.payload),
      [MARKETPLACE.event.OfferWithdrawn]: (event) => (m) => this.offers.onWithdrawn(m, event.payload),
      [MARKETPLACE.event.FeedbackSubmitted]: (event) => (m) => this.feedback.onFeedbackSubmitted(m, event.payload),
      [MARKETPLACE.event.AbandonmentReported]: (event) => (m) => this.feedback.onAbandonmentReported(m, event.payload),
      [MARKETPLACE.event.ParticipantSuspended]: (event) => (m) => this.participants.onSanction(m, event.payload, true),
      [MARKETPLACE.event.ParticipantReinstated]: (event) => (m) => this.participants.onSanction(m, event.payload, false),
      [MARKETPLACE.event.DaoPublished]: (event, meta) => {
        // The public directory: only the marketplace channel's entries, complete ones. (The payload's
        // `channel` is the emitting channel, as in every event; the DAO's is dao-<id>-v<version>.)
        const { daoId, version, name, summary, members, status, publishedBy, updatedAtMs } = event.payload;
        if (meta.ledger.channel !== MARKETPLACE_CHANNEL) throw new UnusableLedgerEventError(`${event.name} from channel ${meta.ledger.channel}, not ${MARKETPLACE_CHANNEL}`);
        if (version === undefined || name === undefined || members === undefined || status === undefined || publishedBy === undefined) {
          throw new UnusableLedgerEventError(`${event.name}: version, name, members, status and publishedBy are required`);
        }
        const publication = { daoId, version, name, summary: summary ?? '', members, status, publishedBy, updatedAtMs: updatedAtMs ?? 0 };
        return (m) => this.daos.onDaoPublished(m, publication);
      },
      [DAO.event.VersionCreated]: (event, meta) => {
        const v = event.payload;
        // The read model keeps the agreement and β of every version.
        if (v.agreementId === undefined || v.betaPpm === undefined) throw new UnusableLedgerEventError(`${event.name}: agreementId and betaPpm are required`);
        const version = { ...v, agreementId: v.agreementId, betaPpm: v.betaPpm };
        return (m) => this.daos.onVersionCreated(m, meta.ledger.channel, version);
      },
      [DAO.event.VersionSuperseded]: (_event, meta) => (m) => this.daos.onVersionSuperseded(m, meta.ledger.channel),
      [DAO.event.ProposalDecided]: (event, meta) => {
        // Only an accepted change-terms changes what the read model keeps (the terms: who may record revenue).
        const { kind, outcome, effect } = event.payload;
        if (kind !== 'change-terms' || outcome !== 'accepted') return undefined;
        if (effect?.terms === null || typeof effect?.terms !== 'object') throw new UnusableLedgerEventError(`${event.name}: an accepted change-terms needs effect.terms`);
        const terms = effect.terms;
        return (m) => this.daos.onTermsChanged(m, meta.ledger.channel, terms);
      },
      [DAO.event.MemberAbandoned]: memberEnded('abandoned'),
      [DAO.event.MemberExited]: memberEnded('exited'),
      [DAO.event.RevenueRecorded]: allocation,
      [DAO.event.AllocationReceived]: allocation,
    };
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
    if (wrote) this.wakeOutbox();
  }

  /**
   * A receipt of one of our commands (their ids start `marketplace:`; the topic carries every
   * issuer's): the command's outcome for its caller, and a failure's effect on the read models.
   * Applied once per receipt event id (inbox); followers are woken after the commit.
   */
  async #receipt(value: Buffer | null): Promise<void> {
    const event = decodeCloudEvent(value, LEDGER_RECEIPT_TYPE, ledgerReceiptSchema);
    const receipt = event.data;
    if (!receipt.commandId.startsWith('marketplace:')) return;
    let ended = false;
    await this.#once('marketplace.receipts', event.id, async (manager) => {
      ended = await this.commands.onReceipt(manager, receipt);
      if (receipt.status !== 'failed') return;
      await this.offers.onCommandFailed(manager, receipt.commandId, receipt.errorCode, receipt.errorMessage);
      await this.feedback.onCommandFailed(manager, receipt.commandId, receipt.errorCode);
      await this.daos.onCommandFailed(manager, receipt.commandId, receipt.errorCode);
    });
    if (ended) this.commands.changed(receipt.commandId);
  }
}
