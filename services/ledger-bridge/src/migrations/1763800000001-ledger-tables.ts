import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The bridge's own state, in whatever schema its DataSource names (tests use scratch schemas):
 * known channels, one checkpoint per (channel, chaincode) event stream, one operation per command.
 */
export class CreateLedgerBridgeTables1763800000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`
      CREATE TABLE ${s}.channels (
        name          text PRIMARY KEY,
        chaincodes    text[] NOT NULL,
        acting_msp_id text,
        start_block   bigint NOT NULL DEFAULT 0,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.checkpoints (
        channel        text NOT NULL,
        chaincode      text NOT NULL,
        block_number   bigint NOT NULL,
        transaction_id text,
        events         bigint NOT NULL DEFAULT 0,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (channel, chaincode)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.operations (
        command_id     text PRIMARY KEY,
        channel        text NOT NULL,
        chaincode      text NOT NULL,
        transaction    text NOT NULL,
        arguments      jsonb NOT NULL,
        acting_msp_id  text NOT NULL,
        status         text NOT NULL CHECK (status IN ('pending', 'submitted', 'committed', 'failed')),
        transaction_id text,
        block_number   bigint,
        attempts       integer NOT NULL DEFAULT 0,
        submissions    integer NOT NULL DEFAULT 0,
        prepared_tx    bytea,
        result         text,
        error_code     text,
        error_message  text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX operations_status ON ${s}.operations (status) WHERE status IN ('pending', 'submitted')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`DROP TABLE ${s}.operations`);
    await queryRunner.query(`DROP TABLE ${s}.checkpoints`);
    await queryRunner.query(`DROP TABLE ${s}.channels`);
  }
}
