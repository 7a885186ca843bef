import type { Admin, Consumer, ConsumerConfig, Kafka, KafkaMessage } from 'kafkajs';
import type { ConnectionLogger } from './logger';
import { withTimeout } from './timeout';

/**
 * How long a stop waits for the consumer to leave its group. A consumer caught mid-join (a rebalance
 * on a busy broker) can take a whole session timeout to answer; the process must not wait for it:
 * the broker drops the member at its session timeout anyway.
 */
export const CONSUMER_STOP_MS = 10_000;

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
  /**
   * Read, at the first join, the backlog the group has on its topics, so that `caughtUp()` can say
   * when it has been handled (an admin client's two requests per topic at start; off by default).
   */
  readonly trackBacklog?: boolean;
  /** How long `stop()` waits for the consumer to leave its group (CONSUMER_STOP_MS if not given). */
  readonly stopTimeoutMs?: number;
}

export interface TopicConsumer {
  stop(): Promise<void>;
  /**
   * Whether the consumer has handled every message that was on its topics when it joined (their
   * end offsets then, past the group's committed offsets): the backlog left while the service was
   * down. False until it has joined and read those offsets, and always without `trackBacklog`.
   */
  caughtUp(): boolean;
}

/**
 * The backlog a group has on its topics: per partition with messages past the group's committed
 * offset (or, with none committed, past the partition's first), the end offset to reach.
 */
export async function readBacklog(admin: Admin, groupId: string, topics: readonly string[]): Promise<Map<string, bigint>> {
  const backlog = new Map<string, bigint>();
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    for (const end of ends) {
      const from = at.get(end.partition) ?? -1n;
      const start = from >= 0n ? from : BigInt(end.low);
      if (start < BigInt(end.high)) backlog.set(`${topic}:${end.partition}`, BigInt(end.high));
    }
  }
  return backlog;
}

/**
 * Joins a consumer group in the background, retrying with backoff while Kafka is away, so a service
 * boots without Kafka. Offsets are committed after each handled message.
 */
export function startTopicConsumer(options: TopicConsumerOptions): TopicConsumer {
  let consumer: Consumer | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  // Undefined until read at the first join; then the partitions still behind their end offset then.
  let backlog: Map<string, bigint> | undefined;
  const handled = (topic: string, partition: number, offset: string) => {
    const key = `${topic}:${partition}`;
    const end = backlog?.get(key);
    if (end !== undefined && BigInt(offset) + 1n >= end) backlog!.delete(key);
  };
  let stopSignal: (() => void) | undefined;
  const stopping = new Promise<void>((resolve) => (stopSignal = resolve));
  const loop = (async () => {
    let backoff = 500;
    while (!stopped) {
      const c = options.kafka.consumer({ ...options.config, groupId: options.groupId });
      consumer = c;
      // kafkajs restarts a crashed consumer only after a retriable error; after any other (a SASL
      // handshake cut short on a loaded broker, "not the correct coordinator") it stays stopped for
      // good. That consumer is replaced here, as at a failed start (a CI rehearsal's provisioner
      // stopped reading its identity directory so).
      let running = false;
      const crashed = new Promise<unknown>((resolve) => {
        c.on(c.events.CRASH, (event) => {
          if (!event.payload.restart) resolve(event.payload.error);
        });
      });
      try {
        await c.connect();
        for (const topic of options.topics) await c.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
        if (options.trackBacklog && backlog === undefined) {
          const admin = options.kafka.admin();
          try {
            await admin.connect();
            backlog = await readBacklog(admin, options.groupId, options.topics);
          } finally {
            await admin.disconnect().catch(() => undefined);
          }
        }
        await c.run({
          eachMessage: async ({ message, topic, partition, heartbeat }) => {
            const timer = options.heartbeatMs ? setInterval(() => void heartbeat().catch(() => undefined), options.heartbeatMs) : undefined;
            try {
              await options.handle(message, topic);
            } finally {
              clearInterval(timer);
            }
            handled(topic, partition, message.offset);
          },
        });
        running = true;
        backoff = 500;
        const crash = await Promise.race([crashed, stopping]);
        if (stopped) return;
        throw crash;
      } catch (error) {
        await c.disconnect().catch(() => undefined);
        if (stopped) return;
        const what = running ? 'stopped and is not restarted by kafkajs; starting it again' : 'could not start; retrying';
        options.logger.warn({ message: `${options.name ?? 'consumer'} ${what}`, groupId: options.groupId, error: String(error), backoffMs: backoff });
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
    caughtUp: () => backlog !== undefined && backlog.size === 0,
    async stop() {
      stopped = true;
      wake?.();
      stopSignal?.();
      const leave = (async () => {
        await loop.catch(() => undefined);
        await consumer?.disconnect().catch(() => undefined);
      })();
      await withTimeout(leave, options.stopTimeoutMs ?? CONSUMER_STOP_MS, `${options.name ?? 'consumer'} ${options.groupId} stop`).catch((error: unknown) =>
        options.logger.warn({ message: `${options.name ?? 'consumer'} did not leave its group in time; stopping without it`, groupId: options.groupId, error: String(error) }),
      );
    },
  };
}
