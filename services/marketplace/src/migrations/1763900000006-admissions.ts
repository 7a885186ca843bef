import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Manual admission (MARKETPLACE_ADMISSION=manual, docs/marketplace.md *Admission*): a registration
 * waits (`admission = 'awaiting'`) until an operator administrator admits it (`'admitted'`: its
 * network command sent) or rejects it (status `rejected` with the reason). What the network command
 * needs beyond role and name is kept (`own_ca`), and when it was asked for (`requested_at`: a
 * registration again after a failure or a rejection asks anew). `admission` stays NULL for an
 * automatic registration, as for every row before this.
 */
export class AddMarketplaceAdmissions1763900000006 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`ALTER TABLE ${s}.participants DROP CONSTRAINT participants_status_check`);
    await queryRunner.query(`
      ALTER TABLE ${s}.participants
        ADD CONSTRAINT participants_status_check CHECK (status IN ('pending', 'active', 'failed', 'rejected')),
        ADD COLUMN admission        text CHECK (admission IN ('awaiting', 'admitted')),
        ADD COLUMN own_ca           boolean NOT NULL DEFAULT false,
        ADD COLUMN requested_at     timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN decided_by       text,
        ADD COLUMN decided_at       timestamptz,
        ADD COLUMN rejection_reason text`);
    await queryRunner.query(`UPDATE ${s}.participants SET requested_at = created_at`);
    await queryRunner.query(`CREATE INDEX participants_awaiting_admission ON ${s}.participants (requested_at, msp_id) WHERE admission = 'awaiting' AND status = 'pending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`DROP INDEX ${s}.participants_awaiting_admission`);
    await queryRunner.query(`UPDATE ${s}.participants SET status = 'failed', failure_code = 'REGISTRATION_REJECTED', failure_message = rejection_reason WHERE status = 'rejected'`);
    await queryRunner.query(`ALTER TABLE ${s}.participants DROP CONSTRAINT participants_status_check`);
    await queryRunner.query(`
      ALTER TABLE ${s}.participants
        ADD CONSTRAINT participants_status_check CHECK (status IN ('pending', 'active', 'failed')),
        DROP COLUMN admission, DROP COLUMN own_ca, DROP COLUMN requested_at, DROP COLUMN decided_by, DROP COLUMN decided_at, DROP COLUMN rejection_reason`);
  }
}
