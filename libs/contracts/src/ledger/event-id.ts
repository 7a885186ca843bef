/**
 * A ledger event's id: `<channel>:<block>:<transactionId>:<eventIndex>`, with the block number
 * zero-padded to 20 digits (the width of a uint64) and the event index to 4, so ids of one channel
 * sort by block as strings. Within one block, transactions follow the ledger's order in the relay's
 * stream (and in Kafka), not the tx id's alphabetical order. A channel name holds no ':' (Fabric allows
 * [a-z0-9.-]), so the id parses back unambiguously.
 */
export interface LedgerEventPosition {
  readonly channel: string;
  readonly blockNumber: bigint;
  readonly transactionId: string;
  /** Index of the event within its transaction (Fabric emits at most one chaincode event per tx: 0). */
  readonly eventIndex: number;
}

const BLOCK_WIDTH = 20;
const INDEX_WIDTH = 4;
const CHANNEL = /^[a-z][a-z0-9.-]*$/;
const ID = /^([a-z][a-z0-9.-]*):(\d{20}):([^:]+):(\d{4})$/;

export function ledgerEventId(position: LedgerEventPosition): string {
  if (!CHANNEL.test(position.channel)) throw new RangeError(`not a channel name: "${position.channel}"`);
  if (position.blockNumber < 0n || position.blockNumber >= 10n ** BigInt(BLOCK_WIDTH)) {
    throw new RangeError(`block number out of range: ${position.blockNumber}`);
  }
  if (position.transactionId === '' || position.transactionId.includes(':')) {
    throw new RangeError(`not a transaction id: "${position.transactionId}"`);
  }
  if (!Number.isInteger(position.eventIndex) || position.eventIndex < 0 || position.eventIndex >= 10 ** INDEX_WIDTH) {
    throw new RangeError(`event index out of range: ${position.eventIndex}`);
  }
  return [
    position.channel,
    position.blockNumber.toString().padStart(BLOCK_WIDTH, '0'),
    position.transactionId,
    String(position.eventIndex).padStart(INDEX_WIDTH, '0'),
  ].join(':');
}

/** The position an id names, or undefined when it is not a ledger event id. */
export function parseLedgerEventId(id: string): LedgerEventPosition | undefined {
  const match = ID.exec(id);
  if (!match) return undefined;
  return {
    channel: match[1]!,
    blockNumber: BigInt(match[2]!),
    transactionId: match[3]!,
    eventIndex: Number(match[4]),
  };
}
