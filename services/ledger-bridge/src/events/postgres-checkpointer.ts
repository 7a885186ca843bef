import type { ChaincodeEvent, Checkpointer } from '@hyperledger/fabric-gateway';
import type { KnownChannel } from '../channels/channels.repository';
import type { AllocationRelayError } from '../allocations/allocation-relay';
import { advanceCheckpoint, checkpointAfterBlock, type StreamCheckpoint } from './checkpoint';
import type { LedgerEventsRepository } from './ledger-events.repository';

/**
 * fabric-gateway's Checkpointer for one (channel, chaincode) stream, stored in the `checkpoints`
 * table. Pass it as `getChaincodeEvents(chaincode, { checkpoint })`. The relay does not call
 * `checkpointChaincodeEvent` on its own: `relay(event)` writes the checkpoint in the transaction
 * that writes the event's outbox rows, which is what makes a crash between the two impossible.
 */
export class PostgresCheckpointer implements Checkpointer {
  #state: StreamCheckpoint | undefined;

  private constructor(
    private readonly repository: LedgerEventsRepository,
    private readonly channel: string,
    private readonly chaincode: string,
    state: StreamCheckpoint | undefined,
  ) {
    this.#state = state;
  }

  static async load(repository: LedgerEventsRepository, channel: string, chaincode: string): Promise<PostgresCheckpointer> {
    return new PostgresCheckpointer(repository, channel, chaincode, await repository.checkpoint(channel, chaincode));
  }

  getBlockNumber(): bigint | undefined {
    return this.#state?.blockNumber;
  }

  getTransactionId(): string | undefined {
    return this.#state?.transactionId ?? undefined;
  }

  /** The stored state, with the count of events relayed. */
  state(): StreamCheckpoint | undefined {
    return this.#state;
  }

  async checkpointBlock(blockNumber: bigint): Promise<void> {
    this.#state = await this.repository.saveCheckpoint(this.channel, this.chaincode, (current) => checkpointAfterBlock(current, blockNumber));
  }

  async checkpointTransaction(blockNumber: bigint, transactionId: string): Promise<void> {
    this.#state = await this.repository.saveCheckpoint(this.channel, this.chaincode, (current) =>
      advanceCheckpoint(current, { blockNumber, transactionId }),
    );
  }

  async checkpointChaincodeEvent(event: ChaincodeEvent): Promise<void> {
    await this.checkpointTransaction(event.blockNumber, event.transactionId);
  }

  /** Relays an event into the outbox and checkpoints it, atomically. */
  async relay(channel: KnownChannel, event: ChaincodeEvent): Promise<{ written: string[]; problem?: AllocationRelayError }> {
    const { written, checkpoint, problem } = await this.repository.record(channel, {
      channel: channel.name,
      blockNumber: event.blockNumber,
      transactionId: event.transactionId,
      chaincodeName: event.chaincodeName,
      eventName: event.eventName,
      payload: event.payload,
    });
    this.#state = checkpoint;
    return problem ? { written, problem } : { written };
  }
}
