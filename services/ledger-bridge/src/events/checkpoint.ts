import type { Checkpoint } from '@hyperledger/fabric-gateway';

/** The last relayed event of one (channel, chaincode) stream. */
export interface StreamCheckpoint {
  readonly blockNumber: bigint;
  readonly transactionId: string | null;
  /** Events relayed from this stream so far. */
  readonly events: bigint;
}

export class CheckpointOrderError extends Error {
  override readonly name = 'CheckpointOrderError';
  readonly code = 'CHECKPOINT_OUT_OF_ORDER' as const;
}

/**
 * The checkpoint after relaying an event. Events arrive in ledger order, so a stream never goes back
 * to an earlier block, nor repeats the checkpointed transaction (the peer resumes after it): either
 * means the stream is not the one the checkpoint belongs to, and relaying would duplicate events.
 */
export function advanceCheckpoint(
  current: StreamCheckpoint | undefined,
  event: { readonly blockNumber: bigint; readonly transactionId: string },
): StreamCheckpoint {
  if (current) {
    if (event.blockNumber < current.blockNumber) {
      throw new CheckpointOrderError(`event in block ${event.blockNumber} after checkpoint at block ${current.blockNumber}`);
    }
    if (event.blockNumber === current.blockNumber && event.transactionId === current.transactionId) {
      throw new CheckpointOrderError(`transaction ${event.transactionId} in block ${event.blockNumber} was already relayed`);
    }
  }
  return { blockNumber: event.blockNumber, transactionId: event.transactionId, events: (current?.events ?? 0n) + 1n };
}

/**
 * The checkpoint after a whole block was processed: resume at the next block, from its start
 * (fabric-gateway's `checkpointBlock`). Never moves a stream back.
 */
export function checkpointAfterBlock(current: StreamCheckpoint | undefined, blockNumber: bigint): StreamCheckpoint {
  const next = blockNumber + 1n;
  if (current && next < current.blockNumber) {
    throw new CheckpointOrderError(`block ${blockNumber} is before the checkpoint at block ${current.blockNumber}`);
  }
  return { blockNumber: next, transactionId: null, events: current?.events ?? 0n };
}

/** What fabric-gateway resumes from: the checkpoint's block, skipping up to and including its tx. */
export function fabricCheckpoint(checkpoint: StreamCheckpoint): Checkpoint {
  return {
    getBlockNumber: () => checkpoint.blockNumber,
    getTransactionId: () => checkpoint.transactionId ?? undefined,
  };
}
