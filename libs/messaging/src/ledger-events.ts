import type { KafkaMessage } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { ContractValidationError, decodeCatalogueEvent, decodeLedgerEvent, type CatalogueEvent, type LedgerEvent } from '@datawell/contracts';
import { startTopicConsumer, type TopicConsumer, type TopicConsumerOptions } from './consumer';
import type { ConnectionLogger } from './logger';
import { processOnce } from './outbox';

/** A ledger event's name, in either chaincode's vocabulary. */
export type LedgerEventName = CatalogueEvent['name'];
/** The typed event of one name (its payload narrowed by the catalogue). */
export type LedgerEventOf<N extends LedgerEventName> = Extract<CatalogueEvent, { readonly name: N }>;

/** What a decision sees besides the typed event: the envelope's id and time, and the relayed event as is. */
export interface LedgerEventMeta {
  /** The CloudEvent id (`block:tx:event` of the ledger): the inbox key. */
  readonly id: string;
  readonly time: string;
  readonly ledger: LedgerEvent;
}

/**
 * The state write a decision asks for, run in one transaction with the inbox claim. It may return a
 * step to run after that transaction committed (wake a relay, enqueue a job, log what changed).
 */
export type LedgerEffect = (manager: EntityManager) => Promise<void | AfterCommit>;
export type AfterCommit = () => void | Promise<void>;

/**
 * A service's decisions, by catalogue event name (like immich's EventMap): pure functions from the
 * typed event to the effect it has, or undefined when it has none. Names without a decision are
 * skipped without a transaction.
 */
export type LedgerEventHandlers = { readonly [N in LedgerEventName]?: (event: LedgerEventOf<N>, meta: LedgerEventMeta) => LedgerEffect | undefined };

/** Thrown by a decision for an event that can never be applied: logged and skipped, not redelivered. */
export class UnusableLedgerEventError extends Error {
  readonly code = 'UNUSABLE_LEDGER_EVENT';
  constructor(message: string) {
    super(message);
    this.name = 'UnusableLedgerEventError';
  }
}

export interface LedgerEventHandlerOptions {
  /** Where the inbox is (`<schema>.inbox`) and the name this consumer claims event ids under. */
  readonly inbox: { readonly dataSource: DataSource; readonly schema: string; readonly consumer: string };
  readonly handlers: LedgerEventHandlers;
  readonly logger: ConnectionLogger;
  /** A service's own "can never be applied" errors (besides ContractValidationError and UnusableLedgerEventError). */
  readonly unusable?: (error: unknown) => boolean;
  /**
   * Runs after every event that had an effect, applied now or before (a redelivery): finishes work
   * that an earlier delivery committed but could not complete (e.g. hand recorded jobs to a queue).
   * A rejection redelivers the message.
   */
  readonly afterEvent?: (meta: LedgerEventMeta) => Promise<void>;
}

/**
 * Handles one message of the ledger events topic: decode the CloudEvent and the catalogue event,
 * ask the decision of its name, run the effect once per event id (inbox claim and effect in one
 * transaction), then the effect's after-commit step and `afterEvent`. A malformed message or an
 * unusable event is logged and skipped; any other error rejects, so the consumer redelivers the
 * message (the inbox makes that harmless). Resolves to whether an effect was applied.
 */
export function ledgerEventHandler(options: LedgerEventHandlerOptions): (value: Buffer | null) => Promise<boolean> {
  const { inbox, handlers, logger } = options;
  const skip = (error: unknown, at: Record<string, unknown>): false => {
    if (!(error instanceof ContractValidationError || error instanceof UnusableLedgerEventError || options.unusable?.(error))) throw error;
    const e = error as Error & { code?: string };
    logger.warn({ message: 'ignored a ledger event', consumer: inbox.consumer, ...at, code: e.code, problem: e.message });
    return false;
  };
  return async (value) => {
    let envelope;
    let event: CatalogueEvent | undefined;
    try {
      envelope = decodeLedgerEvent(value);
      event = decodeCatalogueEvent(envelope.data);
    } catch (error) {
      return skip(error, envelope ? { id: envelope.id } : {});
    }
    if (!event) return false;
    const decide = handlers[event.name] as ((e: CatalogueEvent, m: LedgerEventMeta) => LedgerEffect | undefined) | undefined;
    if (!decide) return false;
    const meta: LedgerEventMeta = { id: envelope.id, time: envelope.time, ledger: envelope.data };
    let after = undefined as AfterCommit | void;
    try {
      const effect = decide(event, meta);
      if (!effect) return false;
      const applied = await processOnce(inbox.dataSource, inbox.schema, inbox.consumer, envelope.id, async (manager) => {
        after = await effect(manager);
      });
      if (!applied) {
        await options.afterEvent?.(meta);
        return false;
      }
    } catch (error) {
      return skip(error, { id: envelope.id, event: event.name });
    }
    if (after) await after();
    await options.afterEvent?.(meta);
    return true;
  };
}

export interface LedgerEventConsumerOptions extends LedgerEventHandlerOptions, Pick<TopicConsumerOptions, 'kafka' | 'groupId' | 'name' | 'config' | 'heartbeatMs' | 'fromBeginning'> {
  /** The ledger events topic (`TOPICS.ledgerEvents`, or a test's own). */
  readonly topic: string;
}

/**
 * The one consumer of ledger events: joins `groupId` on the ledger events topic (in the background,
 * retrying while Kafka is away) and handles each message with `ledgerEventHandler`. Messages of one
 * key (a channel) are handled in order, one at a time; the offset is committed after the handler
 * returned, so an error redelivers the message.
 */
export function startLedgerEventConsumer(options: LedgerEventConsumerOptions): TopicConsumer {
  const handle = ledgerEventHandler(options);
  const { kafka, groupId, name, config, heartbeatMs, fromBeginning, logger, topic } = options;
  return startTopicConsumer({
    kafka,
    groupId,
    topics: [topic],
    logger,
    name: name ?? `ledger events consumer ${options.inbox.consumer}`,
    ...(config ? { config } : {}),
    ...(heartbeatMs ? { heartbeatMs } : {}),
    ...(fromBeginning === undefined ? {} : { fromBeginning }),
    handle: async (message: KafkaMessage) => {
      await handle(message.value);
    },
  });
}
