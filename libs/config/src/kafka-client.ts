import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { KafkaCredentials } from './kafka-credentials';

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

/** The one place a kafkajs client is made: every service, tool, workload and test goes through it. */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(options.sasl ? { sasl: { mechanism: 'scram-sha-512', username: options.sasl.username, password: options.sasl.password } } : {}),
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeout: options.connectionTimeoutMs }),
    ...(options.logger
      ? { logLevel: logLevel.INFO, logCreator: kafkaLogCreator(options.logger) }
      : { logLevel: logLevel.NOTHING }),
  });
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
