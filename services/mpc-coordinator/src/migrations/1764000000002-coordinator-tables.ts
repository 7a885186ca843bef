import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read model of DAO versions (from ledger events), the members' registered MPC nodes and their
 * preprocessing stock, and the computations. Results are kept for their recipients only; datasets
 * never reach this schema.
 */
export class CreateCoordinatorTables1764000000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`
      CREATE TABLE ${s}.dao_versions (
        dao_id       text NOT NULL,
        version      integer NOT NULL,
        channel      text NOT NULL,
        members      jsonb NOT NULL,
        computations jsonb NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dao_id, version)
      )`);
    await q.query(`
      CREATE TABLE ${s}.mpc_nodes (
        dao_id        text NOT NULL,
        version       integer NOT NULL,
        msp_id        text NOT NULL,
        party_index   integer NOT NULL,
        control_url   text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        triples       bigint,
        squares       bigint,
        masks         jsonb,
        checked_at    timestamptz,
        PRIMARY KEY (dao_id, version, msp_id),
        UNIQUE (dao_id, version, party_index)
      )`);
    await q.query(`
      CREATE TABLE ${s}.computations (
        id            text PRIMARY KEY,
        dao_id        text NOT NULL,
        version       integer NOT NULL,
        computation   text NOT NULL,
        requester     text NOT NULL,
        recipients    jsonb NOT NULL,
        owner         text NOT NULL,
        parameters    jsonb NOT NULL,
        dataset       jsonb NOT NULL,
        status        text NOT NULL,
        progress      integer NOT NULL DEFAULT 0,
        members       jsonb,
        rows          integer,
        result        jsonb,
        result_digest text,
        error_code    text,
        error_message text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX computations_version ON ${s}.computations (dao_id, version, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`DROP TABLE ${s}.computations`);
    await q.query(`DROP TABLE ${s}.mpc_nodes`);
    await q.query(`DROP TABLE ${s}.dao_versions`);
  }
}
