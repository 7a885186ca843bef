export { checkKafka, createKafka, kafkaLogCreator, type KafkaAdminLike, type KafkaClientOptions, type KafkaClusterInfo } from './kafka';
export { openTraffic, readTrafficKeyFile, sealTraffic, TrafficKey, TrafficSealError, type TrafficBinding } from './kafka';
export type { ConnectionLogger } from './logger';
export { bullConnection, checkRedis, closeRedis, createRedis, quietAfterClose, type RedisClientOptions, type RedisLike } from './redis';
export { readBacklog, startTopicConsumer, type TopicConsumer, type TopicConsumerOptions } from './consumer';
export {
  ledgerEventHandler,
  startLedgerEventConsumer,
  UnusableLedgerEventError,
  type AfterCommit,
  type LedgerEffect,
  type LedgerEventConsumerOptions,
  type LedgerEventHandlerOptions,
  type LedgerEventHandlers,
  type LedgerEventMeta,
  type LedgerEventName,
  type LedgerEventOf,
} from './ledger-events';
export { notificationChannel, PostgresListener, type PostgresListenerOptions } from './postgres-listener';
export { withTimeout } from './timeout';
export { ensureTopics } from './topics';
export {
  claimInbox,
  CreateOutboxAndInbox,
  createOutboxRelay,
  processOnce,
  writeOutbox,
  type OutboxMessage,
  type OutboxPublisher,
  type OutboxRelayOptions,
  type WakeOutbox,
} from './outbox';
