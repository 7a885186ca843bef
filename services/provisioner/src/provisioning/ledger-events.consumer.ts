import type { Kafka } from 'kafkajs';
import { ContractValidationError, decodeLedgerEvent } from '@datawell/contracts';
import { startTopicConsumer, type ConnectionLogger, type TopicConsumer } from '@datawell/messaging';
import { InvalidLedgerEventError } from './ledger-effects';
import type { ProvisioningService } from './provisioning.service';

export interface LedgerEventsConsumerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  readonly service: ProvisioningService;
  readonly logger: ConnectionLogger;
}

/**
 * Consumes `datawell.ledger.events.v1`. The offset is committed after the event's effect committed
 * (an infrastructure error throws, and kafkajs redelivers); the inbox makes a redelivery harmless.
 * A malformed event is logged and skipped: redelivering it cannot help.
 */
export class LedgerEventsConsumer {
  #consumer: TopicConsumer | undefined;

  constructor(private readonly options: LedgerEventsConsumerOptions) {}

  /** Joins the consumer group in the background, retrying while Kafka is away. */
  start(): void {
    const { kafka, topic, groupId, logger } = this.options;
    this.#consumer = startTopicConsumer({ kafka, groupId, topics: [topic], logger, name: 'ledger events consumer', handle: (message) => this.handle(message.value) });
  }

  async handle(value: Buffer | null): Promise<void> {
    try {
      await this.options.service.handleLedgerEvent(decodeLedgerEvent(value));
    } catch (error) {
      if (error instanceof ContractValidationError || error instanceof InvalidLedgerEventError) {
        this.options.logger.warn({ message: 'skipped an invalid ledger event', code: error.code, error: error.message });
        return;
      }
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }
}
