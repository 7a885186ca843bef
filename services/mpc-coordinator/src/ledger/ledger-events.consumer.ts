import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DAO, MARKETPLACE } from '@datawell/contracts';
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
      if (update.kind === 'public-version') {
        const at = { id: meta.id, daoId: update.daoId, version: update.version };
        if (outcome && 'skipped' in outcome) logger.log({ message: 'public DAO entry not applied', ...at, reason: outcome.skipped });
        else logger.log({ message: update.dissolved ? 'public DAO version dissolved' : 'public DAO version known', ...at, members: update.members?.length ?? null });
        return;
      }
      logger.log(
        update.kind === 'version'
          ? { message: 'DAO version known', daoId: update.version.daoId, version: update.version.version, members: update.version.members.length }
          : update.kind === 'member-transferred'
            ? { message: 'position transferred', daoId: update.daoId, version: update.version, from: update.from, to: update.to, termsRewritten: update.computations !== undefined }
            : update.kind === 'terms'
              ? { message: 'terms changed', daoId: update.daoId, version: update.version, computations: update.computations.length }
              : { message: 'member no longer active', daoId: update.daoId, fromVersion: update.fromVersion, mspId: update.mspId, status: update.status },
      );
    };
  };
}

/**
 * Keeps the read model of DAO versions from `datawell.ledger.events.v1` through the messaging
 * library's ledger-event consumer: each event applied once (inbox), in the order of its DAO's
 * partition; a malformed event, or a report of MPC nodes that cannot be applied, is logged and skipped.
 * A transferred position (MemberTransferred) and an accepted change-terms change who may ask and
 * who receives (the version's members and computations). The coordinator meters nothing and charges
 * no subscription: in a DAO of domains the recipient's own bridge meters (MeterComputation) and the
 * DSP's own bridge charges (ChargeSubscription), each as its member (custody removed, issue #11).
 * A DAO's public entry on the marketplace channel (DaoPublished) gives a public version (its members'
 * MSP ids, no terms) unless the version is known from its channel.
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
    [DAO.event.MemberTransferred]: decide,
    [DAO.event.ProposalDecided]: decide,
    // The marketplace's public directory: a DAO of members' own domains, whose channels the operator is not on.
    [MARKETPLACE.event.DaoPublished]: decide,
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
