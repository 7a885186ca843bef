import type { Kafka } from 'kafkajs';
import { ContractValidationError, decodeCloudEvent, LEDGER_COMMAND_TYPE, ledgerCommandSchema, peekCloudEvent } from '@datawell/contracts';
import { startTopicConsumer, type ConnectionLogger, type TopicConsumer } from '@datawell/messaging';
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
  #consumer: TopicConsumer | undefined;

  constructor(private readonly options: CommandsConsumerOptions) {}

  /**
   * Joins the consumer group in the background, retrying with backoff while Kafka is away, so the
   * bridge boots (and relays events into its outbox) without Kafka.
   */
  start(): void {
    const { kafka, topic, groupId, logger } = this.options;
    this.#consumer = startTopicConsumer({ kafka, groupId, topics: [topic], logger, name: 'commands consumer', handle: (message) => this.handle(message.value) });
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
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }

  /** An invalid command with a usable id fails with a receipt; one without an id can only be logged. */
  async #reject(value: Buffer | null, error: ContractValidationError): Promise<void> {
    const { id, data, text } = peekCloudEvent(value);
    const commandId = text('commandId') ?? id;
    if (commandId === undefined) {
      this.options.logger.error({ message: 'dropped a command message without a command id', code: error.code, error: error.message });
      return;
    }
    await this.options.operations.reject(commandId, data, error.code, error.message);
    this.options.logger.warn({ message: 'rejected an invalid command', commandId, code: error.code });
  }
}
