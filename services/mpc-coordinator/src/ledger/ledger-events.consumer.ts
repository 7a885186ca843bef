import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { MARKETPLACE } from '@datawell/contracts';
import { startLedgerEventConsumer, UnusableLedgerEventError, type ConnectionLogger, type LedgerEffect, type LedgerEventHandlers, type LedgerEventMeta, type TopicConsumer } from '@datawell/messaging';
import type { CoordinatorRepository } from '../computations/computations.repository';
import { publicVersionOf } from './read-model';

const CONSUMER = 'ledger-events';

/** The read model's decision for one event (the pure `publicVersionOf`), and what is logged once it committed. */
function readModelEffect(repository: CoordinatorRepository, logger: ConnectionLogger, meta: LedgerEventMeta): LedgerEffect | undefined {
  const update = publicVersionOf(meta.ledger);
  if (!update) return undefined;
  if ('ignored' in update) throw new UnusableLedgerEventError(update.ignored);
  return async (manager) => {
    const outcome = await repository.applyPublicVersion(manager, update);
    return () => {
      const at = { id: meta.id, daoId: update.daoId, version: update.version };
      if (outcome && 'skipped' in outcome) logger.log({ message: 'public DAO entry not applied', ...at, reason: outcome.skipped });
      else logger.log({ message: update.dissolved ? 'public DAO version dissolved' : 'public DAO version known', ...at, members: update.members?.length ?? null });
    };
  };
}

/**
 * Keeps the read model of DAO versions from `datawell.ledger.events.v1` through the messaging
 * library's ledger-event consumer: each event applied once (inbox), in the order of its partition; a
 * malformed event is logged and skipped. It reads one event: the marketplace's public directory
 * (DaoPublished on the marketplace channel, which the operator's peer is on), which gives a public
 * version (its members' MSP ids, no terms). The operator's peer is on no DAO channel, so no DAO
 * channel's event is read (a DAO's terms, transfers and infrastructure are its members'). The
 * coordinator meters nothing and charges no subscription: the recipient's own bridge meters
 * (MeterComputation) and the DSP's own bridge charges (ChargeSubscription), each as its member
 * (custody removed, issue #11).
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
  const handlers: LedgerEventHandlers = {
    [MARKETPLACE.event.DaoPublished]: (_event: unknown, meta: LedgerEventMeta) => readModelEffect(o.repository, o.logger, meta),
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
