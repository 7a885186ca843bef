import { startTopicConsumer, type ConnectionLogger, type TopicConsumer } from '@datawell/messaging';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { InboxMessageError, type MemberNetworkService } from './member-network.service';

export interface MemberNetworkConsumerOptions {
  readonly kafka: Kafka;
  /** The member's inbox topic (memberInboxTopic) and a consumer group under its own prefix. */
  readonly topic: string;
  readonly groupId: string;
  readonly service: MemberNetworkService;
  readonly logger: ConnectionLogger;
  /** First delay between attempts while the network fails (doubling, at most 30 s). */
  readonly retryDelayMs?: number;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Reads the member's inbox and acts on each message. A message that is not for this member or not
 * valid is logged and skipped; one the network cannot serve yet (an orderer still electing a
 * leader, a member not yet approved) is retried until it succeeds or the bridge stops, and then
 * redelivered, since its offset is committed only once it is done.
 */
export class MemberNetworkConsumer {
  #consumer: TopicConsumer | undefined;
  #stopping = false;

  constructor(private readonly options: MemberNetworkConsumerOptions) {}

  start(): void {
    const { kafka, topic, groupId, logger } = this.options;
    this.#consumer = startTopicConsumer({ kafka, groupId, topics: [topic], logger, name: 'member inbox consumer', heartbeatMs: 3000, handle: (message) => this.#handle(message) });
  }

  async #handle(raw: KafkaMessage): Promise<void> {
    const { service, logger } = this.options;
    let message;
    try {
      const event = JSON.parse(String(raw.value)) as { data?: unknown };
      message = service.parse(event.data);
    } catch (error) {
      if (error instanceof InboxMessageError || error instanceof SyntaxError) {
        logger.error({ message: 'inbox message refused; skipped', offset: raw.offset, error: describe(error) });
        return;
      }
      throw error;
    }
    let delay = this.options.retryDelayMs ?? 2000;
    for (let attempt = 1; ; attempt++) {
      try {
        await service.handle(message);
        return;
      } catch (error) {
        if (this.#stopping) throw error;
        logger.warn({ message: 'inbox message not done yet; retrying', id: message.id, kind: message.kind, channel: message.channel, attempt, error: describe(error).slice(0, 500), delayMs: delay });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer?.stop();
  }
}
