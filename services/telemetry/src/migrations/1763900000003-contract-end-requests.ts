import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The end of each version's term (for its joining group J_i) and the EvaluateContractEnd requests
 * telemetry makes once it has passed: one row per request, written with its command (outbox).
 */
export class CreateTelemetryContractEndRequests1763900000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`ALTER TABLE ${s}.versions ADD COLUMN contract_ends_at_ms bigint`);
    await queryRunner.query(`
      CREATE TABLE ${s}.contract_end_requests (
        command_id          text PRIMARY KEY,
        channel             text NOT NULL,
        msp_id              text NOT NULL,
        contract_ends_at_ms bigint NOT NULL,
        attempt             integer NOT NULL,
        status              text NOT NULL CHECK (status IN ('submitted', 'committed', 'failed')),
        error_code          text,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`DROP TABLE ${s}.contract_end_requests`);
    await queryRunner.query(`ALTER TABLE ${s}.versions DROP COLUMN contract_ends_at_ms`);
  }
}
