import type { MigrationInterface, QueryRunner } from 'typeorm';

const schemaOf = (queryRunner: QueryRunner) => `"${((queryRunner.connection.options as { schema?: string }).schema ?? 'public').replace(/"/g, '""')}"`;

const STATES = `('requested', 'offered', 'accepted', 'agreed', 'verified', 'finalized', 'terminated')`;

/**
 * The session's state machine (docs/negotiation.md, "States"): `state` and when it was entered
 * (`state_changed_at`), each history entry the state it led to (NULL when it changed none, e.g. a
 * late acceptance). Existing rows get the state their status and revisions imply: open without a
 * proposal requested, open with acceptances of the current revision accepted, other open offered;
 * agreed agreed; formed finalized (their version is on the ledger); failed terminated (the ledger's
 * code and message stay in failure_code/failure_message). Their history gets the states the same
 * way (created requested, proposed offered, agreed, formed finalized, failed terminated; acceptances
 * NULL). The status stays and must agree with the state (CHECK).
 */
export class NegotiationSessionStates1764200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.sessions ADD COLUMN state text, ADD COLUMN state_changed_at timestamptz`);
    await queryRunner.query(`
      UPDATE ${s}.sessions se SET state_changed_at = se.updated_at, state = CASE
        WHEN se.status = 'agreed' THEN 'agreed'
        WHEN se.status = 'formed' THEN 'finalized'
        WHEN se.status = 'failed' THEN 'terminated'
        WHEN se.revision = 0 THEN 'requested'
        WHEN EXISTS (SELECT 1 FROM ${s}.acceptances a WHERE a.session_id = se.id AND a.revision = se.revision) THEN 'accepted'
        ELSE 'offered' END`);
    await queryRunner.query(`ALTER TABLE ${s}.sessions ALTER COLUMN state SET NOT NULL, ALTER COLUMN state_changed_at SET NOT NULL, ALTER COLUMN state_changed_at SET DEFAULT now()`);
    await queryRunner.query(`ALTER TABLE ${s}.sessions ADD CONSTRAINT sessions_state CHECK (state IN ${STATES})`);
    await queryRunner.query(`
      ALTER TABLE ${s}.sessions ADD CONSTRAINT sessions_state_status CHECK (status = CASE
        WHEN state IN ('requested', 'offered', 'accepted') THEN 'open'
        WHEN state = 'agreed' THEN 'agreed'
        WHEN state IN ('verified', 'finalized') THEN 'formed'
        ELSE 'failed' END)`);
    // The idle sweep's scan: sessions still negotiating, oldest change first.
    await queryRunner.query(`CREATE INDEX sessions_negotiating ON ${s}.sessions (updated_at) WHERE state IN ('requested', 'offered', 'accepted')`);
    await queryRunner.query(`ALTER TABLE ${s}.history ADD COLUMN state text CHECK (state IN ${STATES})`);
    await queryRunner.query(`
      UPDATE ${s}.history SET state = CASE change
        WHEN 'created' THEN 'requested' WHEN 'proposed' THEN 'offered' WHEN 'agreed' THEN 'agreed'
        WHEN 'formed' THEN 'finalized' WHEN 'failed' THEN 'terminated' END`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DELETE FROM ${s}.history WHERE change IN ('finalized', 'terminated')`);
    await queryRunner.query(`ALTER TABLE ${s}.history DROP COLUMN state`);
    await queryRunner.query(`DROP INDEX ${s}.sessions_negotiating`);
    await queryRunner.query(`ALTER TABLE ${s}.sessions DROP CONSTRAINT sessions_state_status, DROP CONSTRAINT sessions_state, DROP COLUMN state_changed_at, DROP COLUMN state`);
  }
}
