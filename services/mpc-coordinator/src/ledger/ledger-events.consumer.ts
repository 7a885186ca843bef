import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DAO, ledgerCommandCloudEvent, MARKETPLACE, parseDaoChannel } from '@datawell/contracts';
import { startLedgerEventConsumer, UnusableLedgerEventError, writeOutbox, type ConnectionLogger, type LedgerEffect, type LedgerEventHandlers, type LedgerEventMeta, type TopicConsumer } from '@datawell/messaging';
import type { CoordinatorRepository, LedgerNodesOutcome, SubscriptionEnd } from '../computations/computations.repository';
import { meteringCommandOf, meteringDecision, meteringTermsOf } from './metering';
import { MeteringTermsStore } from './metering-terms.store';
import { readModelUpdateOf } from './read-model';
import { subscriptionUpdatesOf, type SubscriptionUpdate } from './subscriptions';

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
 * Meters a completed computation of this coordinator's (pay-per-use): MeterComputation through the
 * outbox, in the transaction that claims the event, so the command is queued exactly when the event
 * is applied. Jobs this coordinator did not run are left to theirs (it may not act as their recorder).
 * A version whose kept terms carry no price per computation (or are a subscription) is sent nothing:
 * logged once, with why (the event is applied once).
 */
function meteringEffect(o: { repository: CoordinatorRepository; meteringTerms: MeteringTermsStore; logger: ConnectionLogger; schema: string; commandsTopic: string; wakeOutbox: () => void; custodial: boolean }, meta: LedgerEventMeta): LedgerEffect | undefined {
  const metering = meteringCommandOf(meta.ledger);
  if (!metering) return undefined;
  // MeterComputation is signed as the job's recorder, a member: only for DAOs the operator holds in custody.
  if (!o.custodial) return async () => () => o.logger.log({ message: 'not metering a computation: the coordinator signs nothing as a member (custody off)', id: meta.id });
  if ('ignored' in metering) throw new UnusableLedgerEventError(metering.ignored);
  const { jobId, command } = metering;
  return async (manager) => {
    if (!(await o.repository.get(jobId))) return () => o.logger.log({ message: 'not metering a computation another coordinator ran', id: meta.id, jobId });
    const channel = parseDaoChannel(command.channel);
    const decision = meteringDecision(channel && (await o.meteringTerms.get(manager, channel.daoId, channel.level)));
    if (!decision.meter) return () => o.logger.log({ message: 'not metering a computation: no price for it', id: meta.id, jobId, channel: command.channel, reason: decision.reason });
    await writeOutbox(manager, o.schema, [{ id: command.commandId, topic: o.commandsTopic, key: command.channel, payload: ledgerCommandCloudEvent(command, SOURCE) }]);
    return () => {
      o.wakeOutbox();
      o.logger.log({ message: 'computation sent for metering', id: meta.id, jobId, channel: command.channel, commandId: command.commandId });
    };
  };
}

/** The terms metering decides from: a version's own (VersionCreated) or new ones (an accepted change-terms). */
function meteringTermsEffect(store: MeteringTermsStore, logger: ConnectionLogger, meta: LedgerEventMeta): LedgerEffect | undefined {
  const terms = meteringTermsOf(meta.ledger);
  if (!terms) return undefined;
  return async (manager) => {
    await store.put(manager, terms);
    return () => logger.log({ message: 'metering terms kept', id: meta.id, daoId: terms.daoId, version: terms.version, businessModel: terms.businessModel, perComputation: terms.perComputation ?? null });
  };
}

const SOURCE = 'urn:datawell:service:mpc-coordinator';

/**
 * What an event changes in the subscriptions (`subscriptionUpdatesOf`): a priced subscription version
 * to charge each period, a version superseded, a version's charging ended at its successor's creation
 * or its dissolution. An end that comes after periods beginning from it were already sent is logged as
 * a warning with those periods (the ledger may have charged them on this version).
 */
function subscriptionEffect(repository: CoordinatorRepository, logger: ConnectionLogger, meta: LedgerEventMeta): LedgerEffect | undefined {
  const eventAtMs = Date.parse(meta.time);
  const updates = subscriptionUpdatesOf(meta.ledger, Number.isNaN(eventAtMs) ? undefined : eventAtMs);
  if (updates.length === 0) return undefined;
  return async (manager) => {
    const outcomes: Array<SubscriptionEnd | undefined> = [];
    for (const update of updates) outcomes.push(await repository.applySubscription(manager, update));
    return () => updates.forEach((update, i) => logSubscription(logger, meta, update, outcomes[i]));
  };
}

function logSubscription(logger: ConnectionLogger, meta: LedgerEventMeta, update: SubscriptionUpdate, end: SubscriptionEnd | undefined): void {
  if (update.kind === 'subscription') {
    const s = update.subscription;
    logger.log({ message: 'subscription to charge each period', id: meta.id, daoId: s.daoId, version: s.version, periodSeconds: s.periodSeconds });
    return;
  }
  const at = { id: meta.id, daoId: update.daoId, version: update.version };
  if (update.kind === 'superseded' && update.successorCreatedAtMs === undefined) return logger.log({ message: 'subscription superseded', ...at });
  // Not a subscription this coordinator charges: nothing changed.
  if (!end) return;
  const reason = update.kind === 'ended' ? update.reason : 'superseded';
  logger.log({ message: update.kind === 'superseded' ? 'subscription superseded' : 'subscription charging ended', ...at, reason, endsAtMs: end.endsAtMs, periodsInTerm: end.periodsInTerm });
  if (end.periodsSent > end.periodsInTerm) {
    logger.warn({ message: 'subscription periods were sent that begin at or after the end of charging', ...at, reason, endsAtMs: end.endsAtMs, from: end.periodsInTerm, to: end.periodsSent - 1 });
  }
}

/** The effects in the one transaction of the event, in order, each's after-commit step after it. */
function all(...effects: Array<LedgerEffect | undefined>): LedgerEffect | undefined {
  const some = effects.filter((e): e is LedgerEffect => e !== undefined);
  if (some.length <= 1) return some[0];
  return async (manager) => {
    const after: Array<Awaited<ReturnType<LedgerEffect>>> = [];
    for (const effect of some) after.push(await effect(manager));
    return async () => {
      for (const step of after) if (step) await step();
    };
  };
}

/**
 * Keeps the read model of DAO versions from `datawell.ledger.events.v1` through the messaging
 * library's ledger-event consumer: each event applied once (inbox), in the order of its DAO's
 * partition; a malformed event, or a report of MPC nodes that cannot be applied, is logged and skipped.
 * A committed ComputationCompleted of this coordinator's jobs is sent for metering (MeterComputation)
 * when its version's terms price computations (kept from VersionCreated and accepted change-terms).
 * A transferred position (MemberTransferred) and an accepted change-terms change who may ask and
 * who receives (the version's members and computations).
 * Subscriptions are learnt from VersionCreated and end with a successor's VersionCreated,
 * VersionSuperseded or a dissolution (MemberAbandoned / MemberExited / ProposalDecided).
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
  /** Where MeterComputation commands go, and the outbox relay's wake-up. */
  commandsTopic: string;
  wakeOutbox: () => void;
  /** MPC_COORDINATOR_CUSTODIAL_ORGANISATIONS: meter computations of DAOs the operator holds. */
  custodial: boolean;
}): TopicConsumer {
  const decide = (_event: unknown, meta: LedgerEventMeta) => readModelEffect(o.repository, o.logger, meta);
  const meteringTerms = new MeteringTermsStore(o.schema);
  const handlers: LedgerEventHandlers = {
    [DAO.event.VersionCreated]: (event, meta) => all(decide(event, meta), subscriptionEffect(o.repository, o.logger, meta), meteringTermsEffect(meteringTerms, o.logger, meta)),
    [DAO.event.VersionSuperseded]: (_event, meta) => subscriptionEffect(o.repository, o.logger, meta),
    // A dissolution ends the version's charging (the member's status first: a payload the read model cannot use skips the event).
    [DAO.event.MemberAbandoned]: (event, meta) => all(decide(event, meta), subscriptionEffect(o.repository, o.logger, meta)),
    [DAO.event.MemberExited]: (event, meta) => all(decide(event, meta), subscriptionEffect(o.repository, o.logger, meta)),
    [DAO.event.InfrastructureProvisioned]: decide,
    [DAO.event.MemberTransferred]: decide,
    [DAO.event.ProposalDecided]: (event, meta) => all(decide(event, meta), meteringTermsEffect(meteringTerms, o.logger, meta), subscriptionEffect(o.repository, o.logger, meta)),
    [DAO.event.ComputationCompleted]: (_event, meta) => meteringEffect({ ...o, meteringTerms }, meta),
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
