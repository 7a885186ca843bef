import type { LedgerReceipt } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import type { Store } from '../store';

export interface CommandRow {
  command_id: string;
  action: string;
  issuer_msp_id: string;
  issuer_enrollment_id: string;
  status: 'pending' | 'committed' | 'failed';
  transaction_id: string | null;
  block_number: string | null;
  error_code: string | null;
  chaincode_code: string | null;
  message: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** The marketplace's ledger commands (`commands`): who issued each, and its outcome from the bridge's receipt. */
export class CommandsRepository {
  constructor(private readonly store: Store) {}

  async issued(manager: EntityManager, c: { commandId: string; action: string; mspId: string; enrollmentId: string }): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('commands')} (command_id, action, issuer_msp_id, issuer_enrollment_id) VALUES ($1, $2, $3, $4)`,
      [c.commandId, c.action, c.mspId, c.enrollmentId],
      manager,
    );
  }

  async get(commandId: string): Promise<CommandRow | undefined> {
    const [row] = await this.store.query<CommandRow>(`SELECT * FROM ${this.store.t('commands')} WHERE command_id = $1`, [commandId]);
    return row;
  }

  /** Ends a pending command as its receipt says; false for a command id not ours or already ended. */
  async ended(manager: EntityManager, receipt: LedgerReceipt): Promise<boolean> {
    const failed = receipt.status === 'failed';
    const updated = await this.store.query<unknown>(
      `UPDATE ${this.store.t('commands')} SET status = $2, transaction_id = $3, block_number = $4, error_code = $5, chaincode_code = $6, message = $7, updated_at = now()
       WHERE command_id = $1 AND status = 'pending' RETURNING command_id`,
      [
        receipt.commandId,
        receipt.status,
        receipt.transactionId,
        receipt.blockNumber,
        failed ? receipt.errorCode : null,
        failed ? (receipt.chaincode?.code ?? null) : null,
        failed ? (receipt.chaincode?.message ?? receipt.errorMessage) : null,
      ],
      manager,
    );
    // TypeORM answers an UPDATE on PostgreSQL with [rows, count].
    const rows = Array.isArray(updated[0]) ? (updated[0] as unknown[]) : updated;
    return rows.length > 0;
  }
}
