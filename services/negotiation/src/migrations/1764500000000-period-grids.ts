import type { MigrationInterface, QueryRunner } from 'typeorm';

const schemaOf = (queryRunner: QueryRunner) => `"${((queryRunner.connection.options as { schema?: string }).schema ?? 'public').replace(/"/g, '""')}"`;

/**
 * A subscription version's grid of periods (docs/economics.md, "Subscription periods"): its length
 * and, once known, its origin, so that a join's terms continue it (docs/negotiation.md).
 */
export class NegotiationPeriodGrids1764500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.dao_versions ADD COLUMN period_seconds integer, ADD COLUMN period_origin_ms bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.dao_versions DROP COLUMN period_seconds, DROP COLUMN period_origin_ms`);
  }
}
