import { advanceCheckpoint, checkpointAfterBlock, CheckpointOrderError, fabricCheckpoint } from './checkpoint';

describe('stream checkpoints', () => {
  it('starts at the first event and counts events', () => {
    const first = advanceCheckpoint(undefined, { blockNumber: 5n, transactionId: 'a' });
    expect(first).toEqual({ blockNumber: 5n, transactionId: 'a', events: 1n });
    const second = advanceCheckpoint(first, { blockNumber: 5n, transactionId: 'b' });
    expect(second).toEqual({ blockNumber: 5n, transactionId: 'b', events: 2n });
    expect(advanceCheckpoint(second, { blockNumber: 9n, transactionId: 'c' })).toEqual({ blockNumber: 9n, transactionId: 'c', events: 3n });
  });

  it('refuses an earlier block or the checkpointed transaction again', () => {
    const at = { blockNumber: 5n, transactionId: 'a', events: 1n };
    expect(() => advanceCheckpoint(at, { blockNumber: 4n, transactionId: 'z' })).toThrow(CheckpointOrderError);
    expect(() => advanceCheckpoint(at, { blockNumber: 5n, transactionId: 'a' })).toThrow(/already relayed/);
  });

  it('hands fabric-gateway the block and the transaction to resume after', () => {
    const checkpoint = fabricCheckpoint({ blockNumber: 7n, transactionId: 'tx', events: 3n });
    expect(checkpoint.getBlockNumber()).toBe(7n);
    expect(checkpoint.getTransactionId()).toBe('tx');
    expect(fabricCheckpoint({ blockNumber: 7n, transactionId: null, events: 0n }).getTransactionId()).toBeUndefined();
  });

  it('after a whole block, resumes at the start of the next one, never going back', () => {
    const at = { blockNumber: 5n, transactionId: 'a', events: 2n };
    expect(checkpointAfterBlock(at, 5n)).toEqual({ blockNumber: 6n, transactionId: null, events: 2n });
    expect(checkpointAfterBlock(undefined, 0n)).toEqual({ blockNumber: 1n, transactionId: null, events: 0n });
    expect(() => checkpointAfterBlock(at, 3n)).toThrow(CheckpointOrderError);
    // After the block checkpoint, any transaction of the next block is new.
    expect(advanceCheckpoint(checkpointAfterBlock(at, 5n), { blockNumber: 6n, transactionId: 'a' }).events).toBe(3n);
  });
});
