import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * MPC nodes registered from the ledger (InfrastructureProvisioned's resources.mpcNodes) beside
 * those members register by hand: each row says which (`source`) and, for the ledger's, its
 * workload; each version records the infrastructure revision whose nodes it holds, so a stale
 * report never replaces a newer one.
 */
export class LedgerRegisteredNodes1764000000003 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.mpc_nodes ADD COLUMN source text NOT NULL DEFAULT 'member' CHECK (source IN ('member', 'ledger')), ADD COLUMN workload_id text`);
    await q.query(`ALTER TABLE ${s}.dao_versions ADD COLUMN nodes_revision integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.dao_versions DROP COLUMN nodes_revision`);
    await q.query(`ALTER TABLE ${s}.mpc_nodes DROP COLUMN workload_id, DROP COLUMN source`);
  }
}
