import type { Consumer, Kafka } from 'kafkajs';
import type { ConnectionLogger } from '@datawell/messaging';

export interface SubscriptionOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  readonly logger: ConnectionLogger;
  /** Handles one message; a throw (an infrastructure error) makes Kafka redeliver it. */
  readonly handle: (value: Buffer | null) => Promise<void>;
}

/**
 * One topic consumed by one group, joined in the background with backoff while Kafka is away, so the
 * service boots without it. Offsets are committed after `handle` resolves: a crash redelivers, and
 * handlers are idempotent.
 */
export class Subscription {
  #consumer: Consumer | undefined;
  #stopped = false;
  #starting: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly options: SubscriptionOptions) {}

  start(): void {
    this.#stopped = false;
    this.#starting = this.#loop();
  }

  async #loop(): Promise<void> {
    let backoff = 500;
    while (!this.#stopped) {
      const consumer = this.options.kafka.consumer({ groupId: this.options.groupId });
      this.#consumer = consumer;
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => this.options.handle(message.value) });
        return;
      } catch (error) {
        await consumer.disconnect().catch(() => undefined);
        if (this.#stopped) return;
        this.options.logger.warn({ message: 'consumer could not start; retrying', topic: this.options.topic, error: String(error), backoffMs: backoff });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#starting?.catch(() => undefined);
    await this.#consumer?.disconnect().catch(() => undefined);
    this.#consumer = undefined;
  }
}
