import type { Consumer, Kafka } from 'kafkajs';
import { ContractValidationError, decodeCloudEvent, LEDGER_COMMAND_TYPE, ledgerCommandSchema } from '@datawell/contracts';
import type { ConnectionLogger } from '@datawell/messaging';
import type { CommandService } from './command.service';
import type { OperationsRepository } from './operations.repository';

export interface CommandsConsumerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  readonly commands: CommandService;
  readonly operations: OperationsRepository;
  readonly logger: ConnectionLogger;
}

/**
 * Consumes `datawell.ledger.commands.v1`. The offset is committed after the command's operation has
 * ended (or failed to start with an infrastructure error, which makes kafkajs redeliver it), so a
 * crash redelivers, and the operation row makes the redelivery harmless.
 */
export class CommandsConsumer {
  #consumer: Consumer | undefined;
  #stopped = false;
  #starting: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly options: CommandsConsumerOptions) {}

  /**
   * Joins the consumer group in the background, retrying with backoff while Kafka is away, so the
   * bridge boots (and relays events into its outbox) without Kafka.
   */
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
        this.options.logger.warn({ message: 'commands consumer could not start; retrying', error: String(error), backoffMs: backoff });
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
    let command;
    try {
      command = decodeCloudEvent(value, LEDGER_COMMAND_TYPE, ledgerCommandSchema).data;
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      await this.#reject(value, error);
      return;
    }
    await this.options.commands.handle(command);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#starting?.catch(() => undefined);
    await this.#consumer?.disconnect().catch(() => undefined);
    this.#consumer = undefined;
  }

  /** An invalid command with a usable id fails with a receipt; one without an id can only be logged. */
  async #reject(value: Buffer | null, error: ContractValidationError): Promise<void> {
    let envelope: { id?: unknown; data?: unknown } = {};
    try {
      envelope = JSON.parse(String(value)) as typeof envelope;
    } catch {
      // Not JSON: no id to answer to.
    }
    const data = envelope?.data !== null && typeof envelope?.data === 'object' ? (envelope.data as Record<string, unknown>) : {};
    const commandId = typeof data['commandId'] === 'string' && data['commandId'] !== '' ? data['commandId'] : envelope?.id;
    if (typeof commandId !== 'string' || commandId === '') {
      this.options.logger.error({ message: 'dropped a command message without a command id', code: error.code, error: error.message });
      return;
    }
    await this.options.operations.reject(commandId, data, error.code, error.message);
    this.options.logger.warn({ message: 'rejected an invalid command', commandId, code: error.code });
  }
}
