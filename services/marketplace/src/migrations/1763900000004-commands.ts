import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger commands the marketplace sent for its callers and their outcomes as the ledger bridge's
 * receipts tell them: one row per command id, written with the command (outbox) and ended once by
 * its receipt (inbox). Only the identity that issued a command reads it (GET /commands/:commandId).
 */
export class CreateMarketplaceCommands1763900000004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`
      CREATE TABLE ${s}.commands (
        command_id           text PRIMARY KEY,
        action               text NOT NULL,
        issuer_msp_id        text NOT NULL,
        issuer_enrollment_id text NOT NULL,
        status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'committed', 'failed')),
        transaction_id       text,
        block_number         numeric(20, 0),
        error_code           text,
        chaincode_code       text,
        message              text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX commands_issuer ON ${s}.commands (issuer_msp_id, issuer_enrollment_id, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`DROP TABLE ${s}.commands`);
  }
}
