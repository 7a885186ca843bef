import { trafficSealedBy } from '@datawell/contracts';
import {
  Kafka,
  logLevel,
  type Batch,
  type Consumer,
  type ConsumerConfig,
  type ConsumerRunConfig,
  type KafkaConfig,
  type KafkaMessage,
  type LogEntry,
  type logCreator,
  type Message,
  type Producer,
  type ProducerConfig,
  type Sender,
  type TopicMessages,
} from 'kafkajs';
import type { KafkaCredentials } from './kafka-credentials';
import { openTraffic, sealTraffic, TrafficSealError, type TrafficKey } from './traffic-key';

/** What the connection factories log through; a NestJS `Logger` with a context fits. */
export interface ConnectionLogger {
  error(message: unknown): void;
  warn(message: unknown): void;
  log(message: unknown): void;
  debug(message: unknown): void;
}

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  /** Where kafkajs's own logs go; without one the client is silent. */
  readonly logger?: ConnectionLogger;
  /** Connection attempts after the first; kafkajs's default (5, with backoff) when absent. */
  readonly retries?: number;
  /** The principal's SASL/SCRAM credentials; without them the client connects unauthenticated (a broker without SASL). */
  readonly sasl?: KafkaCredentials;
  /** Milliseconds to wait for a broker connection; kafkajs's default (1000) when absent. */
  readonly connectionTimeoutMs?: number;
  /**
   * The domain's traffic keys (DATAWELL_TRAFFIC_KEY_FILE): the first seals what is produced to a
   * sealed topic (`datawell.member.<MSP>.…`, see `trafficSealedBy`), any of them opens what is
   * consumed there. Without one, producing to such a topic is refused and its messages are skipped.
   */
  readonly trafficKeys?: readonly TrafficKey[];
  /**
   * Consumers hand every value over as the broker holds it, sealed ones unopened: for tests and tools
   * that inspect what the broker stores (a scan of every topic). Producing is unchanged.
   */
  readonly rawValues?: boolean;
  /**
   * Its consumers' session timeout when their own config sets none (kafkajs's 30 s when absent), with a
   * heartbeat a third of it at most: how soon the broker drops a consumer whose process died.
   */
  readonly sessionTimeoutMs?: number;
}

/** A kafkajs client whose own logs go through the service's structured logger. */
interface KafkaRequestQueue {
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/**
 * kafkajs 2.2.4 (its last release) re-arms a 1 ms timer on every broker connection for ever once the
 * connection sent a request: `scheduleCheckPendingRequests` also schedules when nothing is pending,
 * with a throttle end in the past, i.e. a negative delay. That kept every idle service at several % of
 * a core. A check is needed only while requests wait (a push and every response check again anyway),
 * so the queue schedules only then; throttled waiting requests are still checked when the throttle ends.
 */
export function fixKafkaRequestQueue(RequestQueue: { prototype: KafkaRequestQueue }): void {
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: KafkaRequestQueue & { throttledUntil: number }) {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttledFor = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, throttledFor > 0 ? throttledFor : 10);
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs exports no entry for its request queue
fixKafkaRequestQueue(require('kafkajs/src/network/requestQueue') as { prototype: KafkaRequestQueue });

/**
 * The one place a kafkajs client is made: every service, tool, workload and test goes through it. Its
 * producers seal, and its consumers open, the values of member topics (see `SealingKafka`).
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new SealingKafka(kafkaConfig(options), options.trafficKeys ?? [], options.logger, options.rawValues ?? false, options.sessionTimeoutMs);
}

function kafkaConfig(options: KafkaClientOptions): KafkaConfig {
  return {
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(options.sasl ? { sasl: { mechanism: 'scram-sha-512', username: options.sasl.username, password: options.sasl.password } } : {}),
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeout: options.connectionTimeoutMs }),
    ...(options.logger
      ? { logLevel: logLevel.INFO, logCreator: kafkaLogCreator(options.logger) }
      : { logLevel: logLevel.NOTHING }),
  };
}

/**
 * A kafkajs client that keeps a member's traffic sealed on the broker (docs/security.md): on a topic
 * `trafficSealedBy` names, every value produced is sealed with the domain's key (producing without
 * one is refused before anything reaches the broker), and every value consumed is opened before the
 * handler sees it. A message that is not sealed, is tampered with, or was sealed with a key this
 * process does not hold is logged (topic, partition, offset, reason; never its bytes) and skipped:
 * the handler never sees it, the consumer does not crash, its offset moves on, and the message
 * itself stays on the broker for its retention.
 */
class SealingKafka extends Kafka {
  readonly #keys: readonly TrafficKey[];
  readonly #logger: ConnectionLogger | undefined;
  readonly #raw: boolean;
  readonly #session: Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval'>;

  constructor(config: KafkaConfig, keys: readonly TrafficKey[], logger: ConnectionLogger | undefined, raw: boolean, sessionTimeoutMs: number | undefined) {
    super(config);
    this.#keys = keys;
    this.#logger = logger;
    this.#raw = raw;
    this.#session = sessionTimeoutMs === undefined ? {} : consumerSession(sessionTimeoutMs);
  }

  override producer(config?: ProducerConfig): Producer {
    const producer = super.producer(config);
    const keys = this.#keys;
    const sender = <S extends Sender>(s: S): S => ({
      ...s,
      send: async (record) => s.send({ ...record, messages: sealMessages(keys, record.topic, record.messages) }),
      sendBatch: async (batch) =>
        s.sendBatch({ ...batch, ...(batch.topicMessages ? { topicMessages: batch.topicMessages.map((t: TopicMessages) => ({ ...t, messages: sealMessages(keys, t.topic, t.messages) })) } : {}) }),
    });
    return { ...sender(producer), transaction: async () => sender(await producer.transaction()) };
  }

  override consumer(config: ConsumerConfig): Consumer {
    const consumer = super.consumer(config.sessionTimeout === undefined ? { ...config, ...this.#session } : config);
    if (this.#raw) return consumer;
    const open = (topic: string, partition: number, message: KafkaMessage): KafkaMessage | undefined => {
      if (trafficSealedBy(topic) === undefined) return message;
      try {
        return { ...message, value: openTraffic(this.#keys, message.value, { topic, key: message.key, headers: message.headers }) };
      } catch (error) {
        if (!(error instanceof TrafficSealError)) throw error;
        const record = { message: 'skipped a message on a sealed topic', topic, partition, offset: message.offset, code: error.code, error: error.message };
        if (this.#logger) this.#logger.error(record);
        else console.error(JSON.stringify(record));
        return undefined;
      }
    };
    const run = (runConfig?: ConsumerRunConfig): Promise<void> => {
      const { eachMessage, eachBatch } = runConfig ?? {};
      return consumer.run({
        ...runConfig,
        ...(eachMessage
          ? {
              eachMessage: async (payload) => {
                const message = open(payload.topic, payload.partition, payload.message);
                if (message) await eachMessage({ ...payload, message });
              },
            }
          : {}),
        ...(eachBatch
          ? {
              eachBatch: async (payload) => {
                const { batch } = payload;
                if (trafficSealedBy(batch.topic) === undefined) return eachBatch(payload);
                const messages = batch.messages.map((m) => open(batch.topic, batch.partition, m)).filter((m): m is KafkaMessage => m !== undefined);
                // The batch's own methods (lastOffset, …) read `messages`: the opened ones stand in.
                const opened = Object.assign(Object.create(Object.getPrototypeOf(batch) as object) as Batch, batch, { messages });
                await eachBatch({ ...payload, batch: opened });
              },
            }
          : {}),
      });
    };
    return { ...consumer, run };
  }
}

/** kafkajs's heartbeat (3 s) unless that is more than a third of the session timeout, as Kafka advises. */
export function consumerSession(sessionTimeoutMs: number): Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval'> {
  return { sessionTimeout: sessionTimeoutMs, heartbeatInterval: Math.min(3000, Math.floor(sessionTimeoutMs / 3)) };
}

/** The messages as they go to the broker: sealed on a sealed topic (refused without a key), untouched elsewhere. */
function sealMessages(keys: readonly TrafficKey[], topic: string, messages: Message[]): Message[] {
  const owner = trafficSealedBy(topic);
  if (owner === undefined) return messages;
  const key = keys[0];
  if (!key) {
    throw new TrafficSealError('TRAFFIC_KEY_REQUIRED', `producing to ${topic} needs ${owner}'s traffic key (DATAWELL_TRAFFIC_KEY_FILE): a member's traffic never reaches the broker in the clear`);
  }
  return messages.map((m) => ({ ...m, value: sealTraffic(key, m.value, { topic, key: m.key, headers: m.headers }) }));
}

export function kafkaLogCreator(logger: ConnectionLogger): logCreator {
  return () => (entry: LogEntry) => {
    // kafkajs's own timestamp is dropped: the service logger stamps every line.
    const fields: Record<string, unknown> = { ...entry.log };
    delete fields['timestamp'];
    const record = { message: entry.log.message, namespace: entry.namespace, ...fields };
    switch (entry.level) {
      case logLevel.ERROR:
        return logger.error(record);
      case logLevel.WARN:
        return logger.warn(record);
      case logLevel.INFO:
        return logger.log(record);
      default:
        return logger.debug(record);
    }
  };
}
