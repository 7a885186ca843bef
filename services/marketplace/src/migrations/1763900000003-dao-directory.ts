import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public DAO directory as the `marketplace` channel's DaoPublished events tell it: one row per
 * published version (a republished version replaces its row). No β, no terms, no amounts.
 */
export class CreateMarketplaceDaoDirectory1763900000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`
      CREATE TABLE ${s}.dao_directory (
        dao_id        text NOT NULL,
        version       integer NOT NULL,
        channel       text NOT NULL,
        name          text NOT NULL,
        summary       text NOT NULL,
        members       jsonb NOT NULL,
        status        text NOT NULL CHECK (status IN ('active', 'dissolved')),
        published_by  text NOT NULL,
        updated_at_ms bigint NOT NULL,
        PRIMARY KEY (dao_id, version)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`DROP TABLE ${s}.dao_directory`);
  }
}
