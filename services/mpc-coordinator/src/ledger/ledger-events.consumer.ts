import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ContractValidationError, decodeCloudEvent, LEDGER_EVENT_TYPE, ledgerEventSchema } from '@datawell/contracts';
import { processOnce, startTopicConsumer, type ConnectionLogger, type TopicConsumer } from '@datawell/messaging';
import type { CoordinatorRepository, LedgerNodesOutcome } from '../computations/computations.repository';
import { readModelUpdateOf } from './read-model';

const CONSUMER = 'ledger-events';

/**
 * Keeps the read model of DAO versions from `datawell.ledger.events.v1`: each event applied once
 * (inbox), in the order of its DAO's partition. An undecodable message, or a report of MPC nodes
 * that is malformed or cannot be applied, is logged and skipped.
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
  return startTopicConsumer({
    kafka: o.kafka,
    groupId: o.groupId,
    topics: [o.topic],
    logger: o.logger,
    handle: async (message) => {
      let event;
      try {
        event = decodeCloudEvent(message.value, LEDGER_EVENT_TYPE, ledgerEventSchema);
      } catch (error) {
        if (!(error instanceof ContractValidationError)) throw error;
        o.logger.warn({ message: 'skipped an undecodable ledger event', code: error.code, offset: message.offset });
        return;
      }
      const update = readModelUpdateOf(event.data);
      if (!update) return;
      if ('ignored' in update) {
        o.logger.warn({ message: 'ignored a ledger event', id: event.id, problem: update.ignored });
        return;
      }
      let outcome: LedgerNodesOutcome | undefined;
      const applied = await processOnce(o.dataSource, o.schema, CONSUMER, event.id, async (manager) => {
        outcome = await o.repository.apply(manager, update);
      });
      if (!applied) return;
      if (update.kind === 'ledger-nodes') {
        const at = { id: event.id, daoId: update.daoId, version: update.version, revision: update.revision };
        if (!outcome || 'skipped' in outcome) o.logger.warn({ message: 'skipped the MPC nodes of an infrastructure report', ...at, problem: outcome?.skipped });
        else o.logger.log({ message: 'MPC nodes registered from the ledger', ...at, nodes: outcome.registered, dropped: outcome.dropped, evicted: outcome.evicted });
        return;
      }
      o.logger.log(
        update.kind === 'version'
          ? { message: 'DAO version known', daoId: update.version.daoId, version: update.version.version, members: update.version.members.length }
          : { message: 'member no longer active', daoId: update.daoId, fromVersion: update.fromVersion, mspId: update.mspId, status: update.status },
      );
    },
  });
}
