import { ledgerReceiptCloudEvent, type LedgerCommand, type LedgerReceipt } from '@datawell/contracts';
import { writeOutbox } from '@datawell/messaging';
import type { DataSource } from 'typeorm';

export type OperationStatus = 'pending' | 'submitted' | 'committed' | 'failed';

/** One command's submission, as stored. */
export interface Operation {
  readonly commandId: string;
  readonly status: OperationStatus;
  readonly transactionId: string | null;
  readonly blockNumber: bigint | null;
  /** Endorsements made (each a new transaction id). */
  readonly attempts: number;
  /** Signed transactions sent to the orderer (a same-transaction retry does not count). */
  readonly submissions: number;
  /** The signed transaction last endorsed, to resend after a crash instead of endorsing anew. */
  readonly preparedTransaction: Uint8Array | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

interface OperationRow {
  command_id: string;
  status: OperationStatus;
  transaction_id: string | null;
  block_number: string | null;
  attempts: number;
  submissions: number;
  prepared_tx: Buffer | null;
  error_code: string | null;
  error_message: string | null;
}

export const TERMINAL: ReadonlySet<OperationStatus> = new Set(['committed', 'failed']);

/** Operations and their receipts; a terminal status and its receipt are written in one transaction. */
export class OperationsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly receiptsTopic: string,
    private readonly source: string,
  ) {}

  /**
   * Runs `work` while holding a session advisory lock on the command id, so two consumers handed the
   * same command (a rebalance, a second replica) take turns: the second sees the first's outcome
   * instead of endorsing a second transaction. The lock goes with the session if the process dies.
   */
  async exclusively<T>(commandId: string, work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', [this.schema, commandId]);
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [this.schema, commandId]);
      }
    } finally {
      await runner.release();
    }
  }

  /** The command's operation, created `pending` the first time the command id is seen. */
  async begin(command: LedgerCommand): Promise<Operation> {
    await this.dataSource.query(
      `INSERT INTO "${this.schema}".operations (command_id, channel, chaincode, transaction, arguments, acting_msp_id, status)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'pending') ON CONFLICT (command_id) DO NOTHING`,
      [command.commandId, command.channel, command.chaincode, command.transaction, JSON.stringify(command.arguments), command.actingMspId],
    );
    const operation = await this.get(command.commandId);
    if (!operation) throw new Error(`operation ${command.commandId} vanished`);
    return operation;
  }

  async get(commandId: string): Promise<Operation | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT command_id, status, transaction_id, block_number, attempts, submissions, prepared_tx, error_code, error_message
       FROM "${this.schema}".operations WHERE command_id = $1`,
      [commandId],
    )) as OperationRow[];
    const row = rows[0];
    if (!row) return undefined;
    return {
      commandId: row.command_id,
      status: row.status,
      transactionId: row.transaction_id,
      blockNumber: row.block_number === null ? null : BigInt(row.block_number),
      attempts: row.attempts,
      submissions: row.submissions,
      preparedTransaction: row.prepared_tx === null ? null : new Uint8Array(row.prepared_tx),
      errorCode: row.error_code,
      errorMessage: row.error_message,
    };
  }

  /** Records a newly endorsed transaction before it is sent, so a crash resends it rather than a new one. */
  async markSubmitted(commandId: string, transactionId: string, prepared: Uint8Array, attempt: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE "${this.schema}".operations SET status = 'submitted', transaction_id = $2, prepared_tx = $3,
         attempts = $4, submissions = submissions + 1, updated_at = now()
       WHERE command_id = $1 AND status IN ('pending', 'submitted')`,
      [commandId, transactionId, Buffer.from(prepared), attempt],
    );
  }

  async markAttempt(commandId: string, attempt: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE "${this.schema}".operations SET attempts = $2, updated_at = now() WHERE command_id = $1 AND status = 'pending'`,
      [commandId, attempt],
    );
  }

  /**
   * Ends the operation and writes its receipt to the outbox, together. Resolves false when it had
   * already ended (a concurrent redelivery won): then no second receipt is written.
   */
  async finish(receipt: LedgerReceipt): Promise<boolean> {
    const envelope = ledgerReceiptCloudEvent(receipt, this.source);
    return this.dataSource.transaction(async (manager) => {
      const committed = receipt.status === 'committed';
      const updated = (await manager.query(
        `UPDATE "${this.schema}".operations SET status = $2, transaction_id = COALESCE($3, transaction_id),
           block_number = $4, result = $5, error_code = $6, error_message = $7, prepared_tx = NULL, updated_at = now()
         WHERE command_id = $1 AND status IN ('pending', 'submitted') RETURNING command_id`,
        [
          receipt.commandId,
          receipt.status,
          receipt.transactionId,
          receipt.blockNumber,
          committed ? receipt.result : null,
          committed ? null : receipt.errorCode,
          committed ? null : receipt.errorMessage,
        ],
      )) as [unknown[], number] | unknown[];
      const rows = Array.isArray(updated[0]) ? (updated[0] as unknown[]) : (updated as unknown[]);
      if (rows.length === 0) return false;
      await writeOutbox(manager, this.schema, [
        { id: envelope.id, topic: this.receiptsTopic, key: receipt.commandId, payload: envelope, headers: { ce_type: envelope.type } },
      ]);
      return true;
    });
  }

  /** A message that is not a valid command but names a command id: failed at once, with a receipt. */
  async reject(commandId: string, fields: Record<string, unknown>, code: string, message: string): Promise<boolean> {
    const text = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : '');
    await this.dataSource.query(
      `INSERT INTO "${this.schema}".operations (command_id, channel, chaincode, transaction, arguments, acting_msp_id, status)
       VALUES ($1, $2, $3, $4, '[]'::jsonb, $5, 'pending') ON CONFLICT (command_id) DO NOTHING`,
      [commandId, text('channel'), text('chaincode'), text('transaction'), text('actingMspId')],
    );
    return this.finish({ commandId, status: 'failed', transactionId: null, blockNumber: null, errorCode: code, errorMessage: message });
  }
}
