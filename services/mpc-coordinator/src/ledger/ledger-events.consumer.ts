import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DAO } from '@datawell/contracts';
import { startLedgerEventConsumer, UnusableLedgerEventError, type ConnectionLogger, type LedgerEffect, type LedgerEventHandlers, type LedgerEventMeta, type TopicConsumer } from '@datawell/messaging';
import type { CoordinatorRepository, LedgerNodesOutcome } from '../computations/computations.repository';
import { readModelUpdateOf } from './read-model';

const CONSUMER = 'ledger-events';

/** The read model's decision for one event (the pure `readModelUpdateOf`), and what is logged once it committed. */
function readModelEffect(repository: CoordinatorRepository, logger: ConnectionLogger, meta: LedgerEventMeta): LedgerEffect | undefined {
  const update = readModelUpdateOf(meta.ledger);
  if (!update) return undefined;
  if ('ignored' in update) throw new UnusableLedgerEventError(update.ignored);
  return async (manager) => {
    const outcome: LedgerNodesOutcome | undefined = await repository.apply(manager, update);
    return () => {
      if (update.kind === 'ledger-nodes') {
        const at = { id: meta.id, daoId: update.daoId, version: update.version, revision: update.revision };
        if (!outcome || 'skipped' in outcome) logger.warn({ message: 'skipped the MPC nodes of an infrastructure report', ...at, problem: outcome?.skipped });
        else logger.log({ message: 'MPC nodes registered from the ledger', ...at, nodes: outcome.registered, dropped: outcome.dropped, evicted: outcome.evicted });
        return;
      }
      logger.log(
        update.kind === 'version'
          ? { message: 'DAO version known', daoId: update.version.daoId, version: update.version.version, members: update.version.members.length }
          : { message: 'member no longer active', daoId: update.daoId, fromVersion: update.fromVersion, mspId: update.mspId, status: update.status },
      );
    };
  };
}

/**
 * Keeps the read model of DAO versions from `datawell.ledger.events.v1` through the messaging
 * library's ledger-event consumer: each event applied once (inbox), in the order of its DAO's
 * partition; a malformed event, or a report of MPC nodes that cannot be applied, is logged and skipped.
 */
export function startLedgerEventsConsumer(o: {
  kafka: Kafka;
  topic: string;
  groupId: string;
  dataSource: DataSource;
  schema: string;
  repository: CoordinatorRepository;
  logger: ConnectionLogger;
}): TopicConsumer {
  const decide = (_event: unknown, meta: LedgerEventMeta) => readModelEffect(o.repository, o.logger, meta);
  const handlers: LedgerEventHandlers = {
    [DAO.event.VersionCreated]: decide,
    [DAO.event.MemberAbandoned]: decide,
    [DAO.event.MemberExited]: decide,
    [DAO.event.InfrastructureProvisioned]: decide,
  };
  return startLedgerEventConsumer({
    kafka: o.kafka,
    topic: o.topic,
    groupId: o.groupId,
    logger: o.logger,
    inbox: { dataSource: o.dataSource, schema: o.schema, consumer: CONSUMER },
    handlers,
  });
}
