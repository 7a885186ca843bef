import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reputation with decay and sanctions (docs/marketplace.md): the ledger's decayed weight and sum of
 * ratings as of its last update, abandonments counted against the participant, and the operator's
 * suspension with its reason. A rating kept before decay becomes an undecayed weight as of then.
 */
export class AddMarketplaceReputationSanctions1763900000005 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`
      ALTER TABLE ${s}.participants
        ADD COLUMN reputation_abandonments  integer NOT NULL DEFAULT 0,
        ADD COLUMN reputation_weight_micro  bigint  NOT NULL DEFAULT 0,
        ADD COLUMN reputation_sum_micro     bigint  NOT NULL DEFAULT 0,
        ADD COLUMN reputation_as_of_ms      bigint  NOT NULL DEFAULT 0,
        ADD COLUMN reputation_half_life_ms  bigint  NOT NULL DEFAULT 15552000000,
        ADD COLUMN suspended                boolean NOT NULL DEFAULT false,
        ADD COLUMN sanction_reason          text,
        ADD COLUMN sanction_at_ms           bigint  NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      UPDATE ${s}.participants SET reputation_weight_micro = reputation_count::bigint * 1000000, reputation_sum_micro = reputation_sum::bigint * 1000000,
        reputation_as_of_ms = floor(extract(epoch FROM updated_at) * 1000)::bigint
      WHERE reputation_count > 0`);
    await queryRunner.query(`CREATE INDEX participants_suspended ON ${s}.participants (suspended)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`DROP INDEX ${s}.participants_suspended`);
    await queryRunner.query(`
      ALTER TABLE ${s}.participants
        DROP COLUMN reputation_abandonments, DROP COLUMN reputation_weight_micro, DROP COLUMN reputation_sum_micro, DROP COLUMN reputation_as_of_ms,
        DROP COLUMN reputation_half_life_ms, DROP COLUMN suspended, DROP COLUMN sanction_reason, DROP COLUMN sanction_at_ms`);
  }
}
