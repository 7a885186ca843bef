import type { Consumer, ConsumerConfig, Kafka, KafkaMessage } from 'kafkajs';
import type { ConnectionLogger } from './logger';

export interface TopicConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly logger: ConnectionLogger;
  /** Handles one message; throwing makes kafkajs redeliver it (so the handler must be idempotent). */
  readonly handle: (message: KafkaMessage, topic: string) => Promise<void>;
  /** Names the consumer in the log line when it cannot start ("consumer" if not given). */
  readonly name?: string;
  readonly fromBeginning?: boolean;
  /** Further consumer settings (e.g. a longer sessionTimeout for slow handlers). */
  readonly config?: Omit<ConsumerConfig, 'groupId'>;
  /**
   * While a message is being handled, send a heartbeat this often, so a handler that takes longer
   * than the session timeout keeps the consumer in its group.
   */
  readonly heartbeatMs?: number;
}

export interface TopicConsumer {
  stop(): Promise<void>;
}

/**
 * Joins a consumer group in the background, retrying with backoff while Kafka is away, so a service
 * boots without Kafka. Offsets are committed after each handled message.
 */
export function startTopicConsumer(options: TopicConsumerOptions): TopicConsumer {
  let consumer: Consumer | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    let backoff = 500;
    while (!stopped) {
      const c = options.kafka.consumer({ ...options.config, groupId: options.groupId });
      consumer = c;
      try {
        await c.connect();
        for (const topic of options.topics) await c.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
        await c.run({
          eachMessage: async ({ message, topic, heartbeat }) => {
            if (!options.heartbeatMs) return options.handle(message, topic);
            const timer = setInterval(() => void heartbeat().catch(() => undefined), options.heartbeatMs);
            try {
              await options.handle(message, topic);
            } finally {
              clearInterval(timer);
            }
          },
        });
        return;
      } catch (error) {
        await c.disconnect().catch(() => undefined);
        if (stopped) return;
        options.logger.warn({ message: `${options.name ?? 'consumer'} could not start; retrying`, groupId: options.groupId, error: String(error), backoffMs: backoff });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop.catch(() => undefined);
      await consumer?.disconnect().catch(() => undefined);
    },
  };
}
