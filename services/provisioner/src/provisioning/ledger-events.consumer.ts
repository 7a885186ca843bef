import type { Consumer, Kafka } from 'kafkajs';
import { ContractValidationError, decodeCloudEvent, LEDGER_EVENT_TYPE, ledgerEventSchema } from '@datawell/contracts';
import type { ConnectionLogger } from '@datawell/messaging';
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
  #consumer: Consumer | undefined;
  #stopped = false;
  #starting: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly options: LedgerEventsConsumerOptions) {}

  start(): void {
    this.#stopped = false;
    this.#starting = this.#startLoop();
  }

  async #startLoop(): Promise<void> {
    let backoff = 500;
    while (!this.#stopped) {
      const consumer = this.options.kafka.consumer({ groupId: this.options.groupId });
      this.#consumer = consumer;
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => this.handle(message.value) });
        return;
      } catch (error) {
        await consumer.disconnect().catch(() => undefined);
        if (this.#stopped) return;
        this.options.logger.warn({ message: 'ledger events consumer could not start; retrying', error: String(error), backoffMs: backoff });
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

  async handle(value: Buffer | null): Promise<void> {
    try {
      await this.options.service.handleLedgerEvent(decodeCloudEvent(value, LEDGER_EVENT_TYPE, ledgerEventSchema));
    } catch (error) {
      if (error instanceof ContractValidationError || error instanceof InvalidLedgerEventError) {
        this.options.logger.warn({ message: 'skipped an invalid ledger event', code: error.code, error: error.message });
        return;
      }
      throw error;
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
