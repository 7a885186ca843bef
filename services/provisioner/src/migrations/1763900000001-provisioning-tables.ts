import type { MigrationInterface, QueryRunner } from 'typeorm';

const schemaOf = (q: QueryRunner) => `"${((q.connection.options as { schema?: string }).schema ?? 'public').replace(/"/g, '""')}"`;

/** Desired state per DAO version, workloads, jobs and their log lines. */
export class ProvisioningTables1763900000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE ${s}.versions (
        dao_id                     text NOT NULL,
        version                    integer NOT NULL,
        revision                   integer NOT NULL,
        chaincode                  text NOT NULL,
        members                    jsonb NOT NULL,
        heartbeat_interval_seconds integer NOT NULL,
        spec                       jsonb NOT NULL,
        removed_members            jsonb NOT NULL DEFAULT '[]'::jsonb,
        dissolved                  boolean NOT NULL DEFAULT false,
        status                     text NOT NULL DEFAULT 'requested',
        applied_revision           integer,
        outputs_digest             text,
        failure                    text,
        updated_at                 timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dao_id, version)
      )`);
    await q.query(`
      CREATE TABLE ${s}.workloads (
        workload_id    text PRIMARY KEY,
        dao_id         text NOT NULL,
        version        integer NOT NULL,
        name           text NOT NULL,
        owner          text NOT NULL,
        kind           text NOT NULL,
        dir            text NOT NULL,
        public_key_pem text NOT NULL,
        status         text NOT NULL DEFAULT 'active',
        created_at     timestamptz NOT NULL DEFAULT now(),
        destroyed_at   timestamptz
      )`);
    await q.query(`CREATE INDEX workloads_version ON ${s}.workloads (dao_id, version)`);
    await q.query(`
      CREATE TABLE ${s}.jobs (
        id          text PRIMARY KEY,
        kind        text NOT NULL,
        dao_id      text NOT NULL,
        version     integer NOT NULL,
        data        jsonb NOT NULL,
        state       text NOT NULL DEFAULT 'waiting',
        progress    integer NOT NULL DEFAULT 0,
        attempts    integer NOT NULL DEFAULT 0,
        error       text,
        enqueued_at timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX jobs_not_enqueued ON ${s}.jobs (created_at) WHERE enqueued_at IS NULL`);
    await q.query(`
      CREATE TABLE ${s}.job_logs (
        seq    bigserial PRIMARY KEY,
        job_id text NOT NULL,
        at     timestamptz NOT NULL DEFAULT now(),
        line   text NOT NULL
      )`);
    await q.query(`CREATE INDEX job_logs_job ON ${s}.job_logs (job_id, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ['job_logs', 'jobs', 'workloads', 'versions']) await q.query(`DROP TABLE ${s}.${t}`);
  }
}
