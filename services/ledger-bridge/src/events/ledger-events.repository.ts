import { allocationCommandId, DAO, ledgerReceiptCloudEvent, type RawChaincodeEvent } from '@datawell/contracts';
import { writeOutbox } from '@datawell/messaging';
import type { DataSource, EntityManager } from 'typeorm';
import type { KnownChannel } from '../channels/channels.repository';
import { advanceCheckpoint, type StreamCheckpoint } from './checkpoint';
import { BRIDGE_SOURCE, messagesForEvent, type RelayTopics } from './event-messages';
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
    /** Whether allocations are relayed down (false for a VSP's own bridge: only founding members may). */
    private readonly relayAllocations = true,
  ) {}

  async checkpoint(channel: string, chaincode: string): Promise<StreamCheckpoint | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT block_number, transaction_id, events FROM "${this.schema}".checkpoints WHERE channel = $1 AND chaincode = $2`,
      [channel, chaincode],
    )) as CheckpointRow[];
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Stores a checkpoint that passes no event (fabric-gateway's block and transaction checkpoints). */
  async saveCheckpoint(
    channel: string,
    chaincode: string,
    next: (current: StreamCheckpoint | undefined) => StreamCheckpoint,
  ): Promise<StreamCheckpoint> {
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT block_number, transaction_id, events FROM "${this.schema}".checkpoints
         WHERE channel = $1 AND chaincode = $2 FOR UPDATE`,
        [channel, chaincode],
      )) as CheckpointRow[];
      const checkpoint = next(rows[0] ? fromRow(rows[0]) : undefined);
      await this.#upsert(manager, channel, chaincode, checkpoint);
      return checkpoint;
    });
  }

  /**
   * Relays one event: its outbox rows and the stream's new checkpoint, in one transaction that locks
   * the checkpoint row, so two relays of one stream (two replicas) cannot both advance it.
   */
  async record(
    channel: KnownChannel,
    raw: RawChaincodeEvent,
  ): Promise<{ written: string[]; checkpoint: StreamCheckpoint; problem?: AllocationRelayError }> {
    const { messages, problem } = messagesForEvent(raw, channel, this.topics, undefined, this.relayAllocations);
    const written = await this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT block_number, transaction_id, events FROM "${this.schema}".checkpoints
         WHERE channel = $1 AND chaincode = $2 FOR UPDATE`,
        [raw.channel, raw.chaincodeName],
      )) as CheckpointRow[];
      const next = advanceCheckpoint(rows[0] ? fromRow(rows[0]) : undefined, raw);
      const ids = await writeOutbox(manager, this.schema, messages);
      if (problem) ids.push(...(await this.#failAllocation(manager, channel, problem)));
      await this.#upsert(manager, raw.channel, raw.chaincodeName, next);
      return { ids, next };
    });
    return { written: written.ids, checkpoint: written.next, ...(problem ? { problem } : {}) };
  }

  /**
   * An allocation that cannot be relayed is recorded as a failed operation with a receipt, so the
   * money that did not move is visible to operators and services, not only in a log line.
   */
  async #failAllocation(manager: EntityManager, channel: KnownChannel, problem: AllocationRelayError): Promise<string[]> {
    const commandId = allocationCommandId(problem.sourceEventId);
    const inserted = (await manager.query(
      `INSERT INTO "${this.schema}".operations (command_id, channel, chaincode, transaction, arguments, acting_msp_id,
         status, error_code, error_message)
       VALUES ($1, $2, $3, $4, '[]'::jsonb, $5, 'failed', $6, $7)
       ON CONFLICT (command_id) DO NOTHING RETURNING command_id`,
      [commandId, channel.name, DAO.chaincode, DAO.tx.AllocationReceived, channel.actingMspId ?? '', problem.code, problem.message],
    )) as unknown[];
    if (inserted.length === 0) return [];
    const receipt = ledgerReceiptCloudEvent(
      { commandId, status: 'failed', transactionId: null, blockNumber: null, errorCode: problem.code, errorMessage: problem.message },
      BRIDGE_SOURCE,
    );
    return writeOutbox(manager, this.schema, [
      { id: receipt.id, topic: this.topics.receipts, key: commandId, payload: receipt, headers: { ce_type: receipt.type } },
    ]);
  }

  async #upsert(manager: EntityManager, channel: string, chaincode: string, checkpoint: StreamCheckpoint): Promise<void> {
    await manager.query(
      `INSERT INTO "${this.schema}".checkpoints (channel, chaincode, block_number, transaction_id, events, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (channel, chaincode) DO UPDATE SET block_number = EXCLUDED.block_number,
         transaction_id = EXCLUDED.transaction_id, events = EXCLUDED.events, updated_at = now()`,
      [channel, chaincode, String(checkpoint.blockNumber), checkpoint.transactionId, String(checkpoint.events)],
    );
  }
}

function fromRow(row: CheckpointRow): StreamCheckpoint {
  return { blockNumber: BigInt(row.block_number), transactionId: row.transaction_id, events: BigInt(row.events) };
}
