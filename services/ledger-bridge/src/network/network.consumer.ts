import type { Kafka } from 'kafkajs';
import {
  AGREEMENT_REACHED_TYPE,
  agreementReachedSchema,
  ContractValidationError,
  decodeCloudEvent,
  NETWORK_COMMAND_TYPE,
  networkCommandSchema,
  peekCloudEvent,
} from '@datawell/contracts';
import { startTopicConsumer, type ConnectionLogger, type TopicConsumer } from '@datawell/messaging';
import { AGREEMENTS_CONSUMER, COMMANDS_CONSUMER, StoppingError, type NetworkService } from './network.service';

export interface NetworkConsumerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  readonly what: 'commands' | 'agreements';
  readonly service: NetworkService;
  readonly logger: ConnectionLogger;
}

/** While a message is being handled (an onboarding takes minutes), the consumer stays in its group. */
const HEARTBEAT_MS = 3000;

/**
 * Consumes `datawell.network.commands.v1` or `datawell.negotiation.agreements.v1`. The offset is
 * committed once the message's outcome is in the outbox; a crash, or a stop in the middle, leaves it
 * to be redelivered, and the inbox makes the redelivery harmless. A message never stops the
 * consumer: an invalid one is answered with `command-failed` (or, without an id, logged).
 */
export class NetworkConsumer {
  #consumer: TopicConsumer | undefined;
  #stopped = false;

  constructor(private readonly options: NetworkConsumerOptions) {}

  /** Joins the consumer group in the background, retrying while Kafka is away. */
  start(): void {
    this.#stopped = false;
    const { kafka, topic, groupId, logger, what } = this.options;
    this.#consumer = startTopicConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      name: `network ${what} consumer`,
      config: { sessionTimeout: 60_000, rebalanceTimeout: 120_000 },
      heartbeatMs: HEARTBEAT_MS,
      handle: (message) => this.handle(message.value),
    });
  }

  get stopping(): boolean {
    return this.#stopped;
  }

  /**
   * Handles one message value. Rejects only when the outcome could not be stored (PostgreSQL away)
   * or the bridge is stopping: then kafkajs redelivers it.
   */
  async handle(value: Buffer | null): Promise<void> {
    const { service, what } = this.options;
    try {
      if (what === 'commands') await service.handleCommand(decodeCloudEvent(value, NETWORK_COMMAND_TYPE, networkCommandSchema).data);
      else await service.handleAgreement(decodeCloudEvent(value, AGREEMENT_REACHED_TYPE, agreementReachedSchema).data);
    } catch (error) {
      if (error instanceof ContractValidationError) return this.#reject(value, error);
      if (!(error instanceof StoppingError)) this.options.logger.error({ message: `network ${what} message not handled; it will be redelivered`, error: String(error) });
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }

  /** An invalid message with a usable id fails with a network event; one without an id can only be logged. */
  async #reject(value: Buffer | null, error: ContractValidationError): Promise<void> {
    const { id, text } = peekCloudEvent(value);
    const agreements = this.options.what === 'agreements';
    const commandId = agreements ? (text('agreementId') ? `agreement:${text('agreementId')}` : undefined) : (text('commandId') ?? id);
    if (!commandId || commandId.length > 200) {
      this.options.logger.error({ message: `dropped a network ${this.options.what} message without a usable id`, code: error.code, error: error.message });
      return;
    }
    const subject = agreements ? commandId : (text('mspId') ?? commandId);
    const key = agreements ? (text('daoId') ?? commandId) : (text('mspId') ?? commandId);
    await this.options.service.reject(agreements ? AGREEMENTS_CONSUMER : COMMANDS_CONSUMER, commandId, subject, key, agreements ? 'INVALID_AGREEMENT' : 'INVALID_COMMAND', error.message.slice(0, 2000));
    this.options.logger.warn({ message: `rejected an invalid network ${this.options.what} message`, commandId, code: error.code });
  }
}
