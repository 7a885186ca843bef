import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A DAO version known only from the marketplace's public directory (DaoPublished: its members' MSP
 * ids), not from its channel (VersionCreated): `source` says which, and such a version has no terms
 * here (they are private to the DAO's channel), so `computations` may be NULL.
 */
export class CoordinatorPublicVersions1765000000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.dao_versions ADD COLUMN source text NOT NULL DEFAULT 'channel' CHECK (source IN ('channel', 'directory')), ALTER COLUMN computations DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    // Versions known only from the directory have no terms: the earlier schema cannot hold them.
    await q.query(`DELETE FROM ${s}.mpc_nodes n USING ${s}.dao_versions v WHERE n.dao_id = v.dao_id AND n.version = v.version AND v.source = 'directory'`);
    await q.query(`DELETE FROM ${s}.dao_versions WHERE source = 'directory'`);
    await q.query(`ALTER TABLE ${s}.dao_versions ALTER COLUMN computations SET NOT NULL, DROP COLUMN source`);
  }
}
