import type { MigrationInterface, QueryRunner } from 'typeorm';

const schemaOf = (queryRunner: QueryRunner) => `"${((queryRunner.connection.options as { schema?: string }).schema ?? 'public').replace(/"/g, '""')}"`;

/**
 * Sessions with their frozen plan (parties, groups, the existing members of a join), every proposal
 * revision with the agreement it stands for, acceptances per revision, the history of every change,
 * and the read model of DAO versions and members built from ledger events.
 */
export class CreateNegotiationTables1763900000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.sessions (
        id               text PRIMARY KEY,
        kind             text NOT NULL CHECK (kind IN ('formation', 'join')),
        dao_id           text NOT NULL,
        version          integer NOT NULL,
        plan             jsonb NOT NULL,
        created_by       text NOT NULL,
        status           text NOT NULL CHECK (status IN ('open', 'agreed', 'formed', 'failed')),
        revision         integer NOT NULL DEFAULT 0,
        agreement_id     text UNIQUE,
        failure_code     text,
        failure_message  text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX sessions_dao ON ${s}.sessions (dao_id, version)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.revisions (
        session_id   text NOT NULL REFERENCES ${s}.sessions (id),
        revision     integer NOT NULL,
        proposed_by  text NOT NULL,
        enrollment_id text NOT NULL,
        proposal     jsonb NOT NULL,
        agreement    jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, revision)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.acceptances (
        session_id      text NOT NULL,
        revision        integer NOT NULL,
        msp_id          text NOT NULL,
        enrollment_id   text NOT NULL,
        certificate_pem text NOT NULL,
        signature       text NOT NULL,
        accepted_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, revision, msp_id),
        FOREIGN KEY (session_id, revision) REFERENCES ${s}.revisions (session_id, revision)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.history (
        seq           bigserial PRIMARY KEY,
        session_id    text NOT NULL REFERENCES ${s}.sessions (id),
        revision      integer,
        change        text NOT NULL,
        msp_id        text,
        enrollment_id text,
        detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
        at            timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX history_session ON ${s}.history (session_id, seq)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.dao_versions (
        dao_id        text NOT NULL,
        version       integer NOT NULL,
        agreement_id  text NOT NULL,
        status        text NOT NULL DEFAULT 'active',
        event_id      text NOT NULL,
        PRIMARY KEY (dao_id, version)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.dao_members (
        dao_id        text NOT NULL,
        version       integer NOT NULL,
        msp_id        text NOT NULL,
        grp           text NOT NULL,
        role          text NOT NULL,
        weight        bigint NOT NULL,
        ownership_ppm integer NOT NULL,
        ordinal       integer NOT NULL,
        status        text NOT NULL DEFAULT 'active',
        PRIMARY KEY (dao_id, version, msp_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    for (const table of ['dao_members', 'dao_versions', 'history', 'acceptances', 'revisions', 'sessions']) {
      await queryRunner.query(`DROP TABLE ${s}.${table}`);
    }
  }
}
