import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each member's version expects of it: how many workloads the infrastructure spec names it the
 * owner of, and since when. Rows of versions learnt before this keep NULL (unknown): such a member
 * is evaluated only once it owns a registered workload, as before.
 */
export class AddTelemetryExpectedWorkloads1763900000004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`ALTER TABLE ${s}.members ADD COLUMN expected_workloads integer, ADD COLUMN expected_since_ms bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`ALTER TABLE ${s}.members DROP COLUMN expected_since_ms, DROP COLUMN expected_workloads`);
  }
}
