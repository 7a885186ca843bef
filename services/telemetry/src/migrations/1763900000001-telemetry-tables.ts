import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Telemetry's read models (from ledger events) and its own records, in whatever schema its
 * DataSource names (tests use scratch schemas). Times from the ledger are milliseconds (bigint).
 */
export class CreateTelemetryTables1763900000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`
      CREATE TABLE ${s}.versions (
        channel                    text PRIMARY KEY,
        dao_id                     text NOT NULL,
        version                    integer NOT NULL,
        heartbeat_interval_seconds integer NOT NULL,
        abandon_after_seconds      integer NOT NULL,
        created_at_ms              bigint NOT NULL,
        status                     text NOT NULL CHECK (status IN ('active', 'dissolved'))
      )`);
    await queryRunner.query(`CREATE INDEX versions_dao ON ${s}.versions (dao_id, version)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.members (
        channel                    text NOT NULL REFERENCES ${s}.versions (channel),
        msp_id                     text NOT NULL,
        group_name                 text NOT NULL,
        role                       text NOT NULL,
        position                   integer NOT NULL,
        status                     text NOT NULL CHECK (status IN ('active', 'abandoned', 'exited')),
        ended_at_ms                bigint,
        recorded_snapshots         integer NOT NULL DEFAULT 0,
        last_recorded_heartbeat_ms bigint,
        PRIMARY KEY (channel, msp_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.workloads (
        channel                    text NOT NULL,
        workload_id                text NOT NULL,
        dao_id                     text NOT NULL,
        version                    integer NOT NULL,
        owner                      text NOT NULL,
        key_type                   text,
        public_key_pem             text,
        registered_at_ms           bigint NOT NULL,
        snapshot_seq               bigint,
        recorded_seq               bigint,
        recorded_heartbeat_ms      bigint,
        PRIMARY KEY (channel, workload_id)
      )`);
    await queryRunner.query(`CREATE INDEX workloads_id ON ${s}.workloads (workload_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.snapshots (
        snapshot_id   text PRIMARY KEY,
        channel       text NOT NULL,
        fold_seq      integer NOT NULL,
        command_id    text NOT NULL UNIQUE,
        heartbeats    jsonb NOT NULL,
        status        text NOT NULL CHECK (status IN ('submitted', 'committed', 'failed')),
        error_code    text,
        error_message text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        UNIQUE (channel, fold_seq)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.abandonment_requests (
        command_id    text PRIMARY KEY,
        channel       text NOT NULL,
        msp_id        text NOT NULL,
        since_ms      bigint NOT NULL,
        window_index  integer NOT NULL,
        status        text NOT NULL CHECK (status IN ('submitted', 'committed', 'failed')),
        error_code    text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    for (const table of ['abandonment_requests', 'snapshots', 'workloads', 'members', 'versions']) {
      await queryRunner.query(`DROP TABLE ${s}.${table}`);
    }
  }
}
