import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IdentityDirectory } from '@datawell/auth';
import { KAFKA, SERVICE_CONFIG } from '@datawell/service-platform';
import { DAO } from '@datawell/contracts';
import {
  createOutboxRelay,
  ensureTopics,
  processOnce,
  startLedgerEventConsumer,
  startTopicConsumer,
  type LedgerEffect,
  type LedgerEventHandlers,
  type LedgerEventMeta,
  type OutboxPublisher,
  type TopicConsumer,
} from '@datawell/messaging';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { daoUpdateOfEvent } from './daos/dao-events';
import { DaosRepository } from './daos/daos.repository';
import { agreementOutcomeOf, type AgreementOutcome } from './sessions/agreement-outcomes';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import type { NegotiationConfig } from './config';

/**
 * The negotiation service's moving parts: the sessions service, the outbox relay publishing
 * AgreementReached, the DAO read model fed from ledger events and the consumer of agreement
 * outcomes from network events.
 */
@Injectable()
export class NegotiationRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #logger = new Logger('Negotiation');
  readonly sessions: SessionsService;
  readonly daos: DaosRepository;
  readonly repository: SessionsRepository;
  readonly #outbox: OutboxPublisher;
  readonly #consumers: TopicConsumer[] = [];
  readonly #schema: string;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NegotiationConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @InjectDataSource() private readonly dataSource: DataSource,
    directory: IdentityDirectory,
  ) {
    this.#schema = config.postgres.schema;
    this.daos = new DaosRepository(dataSource, this.#schema);
    this.repository = new SessionsRepository(dataSource, this.#schema);
    this.#outbox = createOutboxRelay({ dataSource, schema: this.#schema, kafka, logger: this.#logger });
    this.sessions = new SessionsService({
      sessions: this.repository,
      daos: this.daos,
      directory,
      schema: this.#schema,
      agreementsTopic: config.settings.topics.agreements,
      wakeOutbox: () => this.#outbox.notify(),
    });
  }

  onApplicationBootstrap(): void {
    const { topics, consumerGroupId } = this.config.settings;
    void ensureTopics(this.kafka, [topics.agreements, topics.ledgerEvents, topics.networkEvents]).catch((error: unknown) =>
      this.#logger.warn({ message: 'could not ensure topics; the consumers retry', error: String(error) }),
    );
    this.#outbox.start();
    this.#consumers.push(
      startLedgerEventConsumer({
        kafka: this.kafka,
        groupId: `${consumerGroupId}-daos`,
        topic: topics.ledgerEvents,
        logger: this.#logger,
        inbox: { dataSource: this.dataSource, schema: this.#schema, consumer: 'dao-read-model' },
        handlers: this.ledgerEventHandlers,
      }),
      startTopicConsumer({
        kafka: this.kafka,
        groupId: `${consumerGroupId}-outcomes`,
        topics: [topics.networkEvents],
        logger: this.#logger,
        handle: async (message) => this.applyNetworkEvent(message.value),
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.#consumers.map((c) => c.stop()));
    await this.#outbox.stop();
  }

  /** The DAO read model's decisions (the pure `daoUpdateOfEvent`), each applied once per event id by the messaging library's consumer. */
  readonly ledgerEventHandlers: LedgerEventHandlers = (() => {
    const decide = (_event: unknown, meta: LedgerEventMeta): LedgerEffect | undefined => {
      const update = daoUpdateOfEvent(meta.id, meta.ledger, (problem) => this.#logger.warn({ message: 'ignored a ledger event', problem }));
      if (!update) return undefined;
      return async (manager) => {
        if (update.kind === 'version') await this.daos.recordVersion(manager, update.eventId, update);
        else await this.daos.recordDeparture(manager, update.daoId, update.version, update.mspId, update.status, update.dissolved);
      };
    };
    return { [DAO.event.VersionCreated]: decide, [DAO.event.MemberAbandoned]: decide, [DAO.event.MemberExited]: decide };
  })();

  async applyNetworkEvent(value: Buffer | null): Promise<void> {
    const outcome = agreementOutcomeOf(value, (problem) => this.#logger.warn({ message: 'ignored a network event', problem }));
    if (!outcome) return;
    await processOnce(this.dataSource, this.#schema, 'agreement-outcomes', outcome.eventId, async (manager) => this.#applyOutcome(manager, outcome));
  }

  async #applyOutcome(manager: Parameters<Parameters<typeof processOnce>[4]>[0], outcome: AgreementOutcome): Promise<void> {
    const session = await this.repository.lockByAgreement(manager, outcome.agreementId);
    if (!session || session.status !== 'agreed') return;
    if (outcome.kind === 'formed') {
      await this.repository.setStatus(manager, session.id, 'formed');
      // The version as InitVersion took it, so a join can open as soon as the session is formed
      // (VersionCreated on the ledger events topic may come later; it then changes nothing).
      const agreed = await this.repository.revision(session.id, session.revision, manager);
      if (agreed) await this.daos.recordVersion(manager, outcome.eventId, agreed.agreement);
      await this.repository.addHistory(manager, session.id, { revision: session.revision, change: 'formed', detail: { agreementId: outcome.agreementId, channel: outcome.channel, initTxId: outcome.initTxId } });
    } else {
      await this.repository.setStatus(manager, session.id, 'failed', { failure: { code: outcome.code, message: outcome.message } });
      await this.repository.addHistory(manager, session.id, { revision: session.revision, change: 'failed', detail: { agreementId: outcome.agreementId, code: outcome.code, message: outcome.message } });
    }
    this.#logger.log({ message: `session ${outcome.kind}`, sessionId: session.id, agreementId: outcome.agreementId });
  }
}
