import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read model takes only the marketplace's public directory (issue #11, trust domains): no DAO
 * channel's events any more. What only a version known from its channel needed goes: such versions
 * (`dao_versions.source = 'channel'`) with their nodes, `dao_versions.source` and `computations` (the
 * terms, private to a DAO's channel: always NULL for a public version), `dao_versions.nodes_revision`,
 * and the nodes the provisioner reported on a channel (`mpc_nodes.source = 'ledger'`) with
 * `mpc_nodes.source` and `workload_id` (every node is its member's own registration now). And
 * `computations.result`, always NULL since custody was removed (a result goes only to its
 * recipients' own bridges). Computations of the dropped versions stay, as history no member can read.
 * Down brings the columns back (versions `directory`, nodes `member`, results NULL): what went is not
 * restored.
 */
export class CoordinatorDirectoryOnly1765300000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`DELETE FROM ${s}.mpc_nodes n USING ${s}.dao_versions v WHERE n.dao_id = v.dao_id AND n.version = v.version AND v.source = 'channel'`);
    await q.query(`DELETE FROM ${s}.mpc_nodes WHERE source = 'ledger'`);
    await q.query(`DELETE FROM ${s}.dao_versions WHERE source = 'channel'`);
    await q.query(`ALTER TABLE ${s}.dao_versions DROP COLUMN source, DROP COLUMN computations, DROP COLUMN nodes_revision`);
    await q.query(`ALTER TABLE ${s}.mpc_nodes DROP COLUMN source, DROP COLUMN workload_id`);
    await q.query(`ALTER TABLE ${s}.computations DROP COLUMN result`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.computations ADD COLUMN result jsonb`);
    await q.query(`ALTER TABLE ${s}.mpc_nodes ADD COLUMN source text NOT NULL DEFAULT 'member' CHECK (source IN ('member', 'ledger')), ADD COLUMN workload_id text`);
    await q.query(`ALTER TABLE ${s}.dao_versions ADD COLUMN nodes_revision integer, ADD COLUMN computations jsonb`);
    // Every version left is a public one; later rows take the earlier default, the channel's.
    await q.query(`ALTER TABLE ${s}.dao_versions ADD COLUMN source text NOT NULL DEFAULT 'directory' CHECK (source IN ('channel', 'directory'))`);
    await q.query(`ALTER TABLE ${s}.dao_versions ALTER COLUMN source SET DEFAULT 'channel'`);
  }
}
