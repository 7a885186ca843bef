import type { RawChaincodeEvent } from '@datawell/contracts';
import { writeOutbox } from '@datawell/messaging';
import type { DataSource } from 'typeorm';
import type { KnownChannel } from '../channels/channels.repository';
import { advanceCheckpoint, type StreamCheckpoint } from './checkpoint';
import { messagesForEvent, type RelayTopics } from './event-messages';
import type { AllocationRelayError } from '../allocations/allocation-relay';

interface CheckpointRow {
  block_number: string;
  transaction_id: string | null;
  events: string;
}

/**
 * The PostgreSQL side of the event relay: checkpoints per (channel, chaincode) stream, written in the
 * same transaction as the outbox rows of the event they pass. After any crash the checkpoint and the
 * outbox agree: an event is either relayed and checkpointed, or neither.
 */
export class LedgerEventsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly topics: RelayTopics,
  ) {}

  async checkpoint(channel: string, chaincode: string): Promise<StreamCheckpoint | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT block_number, transaction_id, events FROM "${this.schema}".checkpoints WHERE channel = $1 AND chaincode = $2`,
      [channel, chaincode],
    )) as CheckpointRow[];
    const row = rows[0];
    return row
      ? { blockNumber: BigInt(row.block_number), transactionId: row.transaction_id, events: BigInt(row.events) }
      : undefined;
  }

  /**
   * Relays one event: its outbox rows and the stream's new checkpoint, in one transaction that locks
   * the checkpoint row, so two relays of one stream (two replicas) cannot both advance it.
   */
  async record(channel: KnownChannel, raw: RawChaincodeEvent): Promise<{ written: string[]; problem?: AllocationRelayError }> {
    const { messages, problem } = messagesForEvent(raw, channel, this.topics);
    const written = await this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT block_number, transaction_id, events FROM "${this.schema}".checkpoints
         WHERE channel = $1 AND chaincode = $2 FOR UPDATE`,
        [raw.channel, raw.chaincodeName],
      )) as CheckpointRow[];
      const current = rows[0]
        ? { blockNumber: BigInt(rows[0].block_number), transactionId: rows[0].transaction_id, events: BigInt(rows[0].events) }
        : undefined;
      const next = advanceCheckpoint(current, raw);
      const ids = await writeOutbox(manager, this.schema, messages);
      await manager.query(
        `INSERT INTO "${this.schema}".checkpoints (channel, chaincode, block_number, transaction_id, events, updated_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (channel, chaincode) DO UPDATE SET block_number = EXCLUDED.block_number,
           transaction_id = EXCLUDED.transaction_id, events = EXCLUDED.events, updated_at = now()`,
        [raw.channel, raw.chaincodeName, String(next.blockNumber), next.transactionId, String(next.events)],
      );
      return ids;
    });
    return problem ? { written, problem } : { written };
  }
}
