import type { MigrationInterface, QueryRunner } from 'typeorm';

const schemaOf = (queryRunner: QueryRunner) => `"${((queryRunner.connection.options as { schema?: string }).schema ?? 'public').replace(/"/g, '""')}"`;

/**
 * One join per accepted admit-member proposal (docs/negotiation.md, "Admission"): the members' bridges
 * may each open it, at the same moment; the index lets only the first in, and the others answer it.
 */
export class NegotiationAdmissionJoins1764300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`CREATE UNIQUE INDEX sessions_admission_once ON ${s}.sessions (dao_id, (plan->'admission'->>'proposalId')) WHERE plan ? 'admission'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP INDEX ${s}.sessions_admission_once`);
  }
}
