import type { IdentityDirectory } from '@datawell/auth';
import { DAO } from '@datawell/contracts';
import {
  createOutboxRelay,
  ensureTopics,
  processOnce,
  startLedgerEventConsumer,
  startTopicConsumer,
  type ConnectionLogger,
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
import { periodGridOf } from './sessions/period-grid';
import { canTake, nextState, statusOf } from './sessions/session-states';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionChanges } from './sessions/session-changes';
import { SessionsService } from './sessions/sessions.service';
import { SuggestionsService } from './suggestions/suggestions.service';
import type { NegotiationConfig } from './config';

export interface NegotiationOptions {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly kafka: Kafka;
  readonly settings: NegotiationConfig['settings'];
  readonly directory: Pick<IdentityDirectory, 'get'>;
  readonly logger: ConnectionLogger;
}

/**
 * The negotiation service's composition root: its repositories and feature services (sessions,
 * suggestions), the outbox relay publishing AgreementReached, the DAO read model fed from ledger
 * events and the consumer of agreement outcomes from network events, and the idle sweep that ends
 * sessions past their deadline. `start` runs the relay, the consumers and the sweep, `stop` ends
 * them; the Nest module (negotiation.module.ts) calls both.
 */
export class Negotiation {
  readonly sessions: SessionsService;
  readonly suggestions: SuggestionsService;
  readonly daos: DaosRepository;
  readonly repository: SessionsRepository;
  /** Committed session changes, for the live route (GET /sessions/:id/events). */
  readonly changes: SessionChanges;
  readonly #outbox: OutboxPublisher;
  readonly #consumers: TopicConsumer[] = [];
  #sweeping = false;
  #sweep: Promise<void> | undefined;
  #wakeSweep: (() => void) | undefined;

  constructor(private readonly options: NegotiationOptions) {
    const { dataSource, schema, kafka, settings, directory, logger } = options;
    this.daos = new DaosRepository(dataSource, schema);
    this.repository = new SessionsRepository(dataSource, schema);
    this.#outbox = createOutboxRelay({ dataSource, schema, kafka, logger });
    this.changes = new SessionChanges({ dataSource, schema, logger });
    this.sessions = new SessionsService({
      sessions: this.repository,
      daos: this.daos,
      directory,
      schema,
      agreementsTopic: settings.topics.agreements,
      wakeOutbox: () => this.#outbox.notify(),
      idleSeconds: settings.sessionIdleSeconds,
    });
    this.suggestions = new SuggestionsService(this.daos);
  }

  start(): void {
    const { kafka, dataSource, schema, logger, settings } = this.options;
    const { topics, consumerGroupId } = settings;
    void ensureTopics(kafka, [topics.agreements, topics.ledgerEvents, topics.networkEvents]).catch((error: unknown) =>
      logger.warn({ message: 'could not ensure topics; the consumers retry', error: String(error) }),
    );
    this.#outbox.start();
    this.changes.start();
    this.#consumers.push(
      startLedgerEventConsumer({
        kafka,
        groupId: `${consumerGroupId}-daos`,
        topic: topics.ledgerEvents,
        logger,
        inbox: { dataSource, schema, consumer: 'dao-read-model' },
        handlers: this.ledgerEventHandlers,
      }),
      startTopicConsumer({
        kafka,
        groupId: `${consumerGroupId}-outcomes`,
        topics: [topics.networkEvents],
        logger,
        handle: async (message) => this.applyNetworkEvent(message.value),
      }),
    );
    this.#sweeping = true;
    this.#sweep = this.#sweepLoop();
  }

  async stop(): Promise<void> {
    this.#sweeping = false;
    this.#wakeSweep?.();
    await this.#sweep;
    await Promise.all(this.#consumers.splice(0).map((c) => c.stop()));
    await this.#outbox.stop();
    await this.changes.stop();
  }

  /** Every sweep interval, terminates the sessions idle past the deadline (SESSION_EXPIRED). */
  async #sweepLoop(): Promise<void> {
    const { logger, settings } = this.options;
    while (this.#sweeping) {
      await new Promise<void>((resolve) => {
        // unref: the sweep's wait never keeps the process alive on its own (stop() ends it anyway).
        const timer = setTimeout(resolve, settings.expirySweepSeconds * 1000).unref();
        this.#wakeSweep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (!this.#sweeping) break;
      try {
        const expired = await this.sessions.expireIdle();
        if (expired > 0) logger.log({ message: 'idle sessions terminated', expired, idleSeconds: settings.sessionIdleSeconds });
      } catch (error) {
        logger.warn({ message: 'the idle sweep failed; retrying next interval', error: String(error) });
      }
    }
  }

  /** The DAO read model's decisions (the pure `daoUpdateOfEvent`), each applied once per event id by the messaging library's consumer. */
  readonly ledgerEventHandlers: LedgerEventHandlers = (() => {
    const decide = (_event: unknown, meta: LedgerEventMeta): LedgerEffect | undefined => {
      const update = daoUpdateOfEvent(meta.id, meta.ledger, (problem) => this.options.logger.warn({ message: 'ignored a ledger event', problem }));
      if (!update) return undefined;
      return async (manager) => {
        if (update.kind === 'version') {
          await this.daos.recordVersion(manager, update.eventId, update);
          await this.#finalize(manager, update.agreementId, update.eventId);
        } else await this.daos.recordDeparture(manager, update.daoId, update.version, update.mspId, update.status, update.dissolved);
      };
    };
    return { [DAO.event.VersionCreated]: decide, [DAO.event.MemberAbandoned]: decide, [DAO.event.MemberExited]: decide };
  })();

  async applyNetworkEvent(value: Buffer | null): Promise<void> {
    const { dataSource, schema, logger } = this.options;
    const outcome = agreementOutcomeOf(value, (problem) => logger.warn({ message: 'ignored a network event', problem }));
    if (!outcome) return;
    await processOnce(dataSource, schema, 'agreement-outcomes', outcome.eventId, async (manager) => this.#applyOutcome(manager, outcome));
  }

  /** The chain's own VersionCreated for a session's agreement: agreed or verified → finalized. */
  async #finalize(manager: Parameters<LedgerEffect>[0], agreementId: string, eventId: string): Promise<void> {
    const session = await this.repository.lockByAgreement(manager, agreementId);
    if (!session || !canTake(session.state, 'version-recorded')) return;
    const state = nextState(session.state, { kind: 'version-recorded' });
    await this.repository.setState(manager, session.id, state, statusOf(state));
    await this.repository.addHistory(manager, session.id, { revision: session.revision, change: 'finalized', state, detail: { agreementId, eventId } });
  }

  async #applyOutcome(manager: Parameters<Parameters<typeof processOnce>[4]>[0], outcome: AgreementOutcome): Promise<void> {
    const session = await this.repository.lockByAgreement(manager, outcome.agreementId);
    if (!session) return;
    if (outcome.kind === 'formed') {
      const detail = { agreementId: outcome.agreementId, channel: outcome.channel, initTxId: outcome.initTxId };
      if (session.state === 'finalized') {
        // VersionCreated was read first: the commit's details are kept, the state does not move back.
        await this.repository.addHistory(manager, session.id, { revision: session.revision, change: 'formed', detail });
        return;
      }
      if (!canTake(session.state, 'ledger-committed')) return;
      const state = nextState(session.state, { kind: 'ledger-committed' });
      await this.repository.setState(manager, session.id, state, statusOf(state));
      // The version as InitVersion took it, so a join can open as soon as the session is formed
      // (VersionCreated on the ledger events topic may come later; it then finalizes the session).
      const agreed = await this.repository.revision(session.id, session.revision, manager);
      if (agreed) {
        const grid = periodGridOf(agreed.agreement.terms);
        await this.daos.recordVersion(manager, outcome.eventId, { ...agreed.agreement, ...(grid ? { grid } : {}) });
      }
      await this.repository.addHistory(manager, session.id, { revision: session.revision, change: 'formed', state, detail });
    } else {
      if (!canTake(session.state, 'ledger-failed')) return;
      const state = nextState(session.state, { kind: 'ledger-failed' });
      await this.repository.setState(manager, session.id, state, statusOf(state), { failure: { code: outcome.code, message: outcome.message } });
      await this.repository.addHistory(manager, session.id, { revision: session.revision, change: 'failed', state, detail: { agreementId: outcome.agreementId, code: outcome.code, message: outcome.message } });
    }
    this.options.logger.log({ message: `session ${outcome.kind}`, sessionId: session.id, agreementId: outcome.agreementId });
  }
}
