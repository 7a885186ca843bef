import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The enrolled identity (certificate CN) that asked for a computation, for the data owner's usage
 * trail (RecordUsage names the requester's organisation and identity). Null for computations asked
 * for before it was kept.
 */
export class ComputationRequesterEnrollment1764500000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.computations ADD COLUMN requester_enrollment_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.computations DROP COLUMN requester_enrollment_id`);
  }
}
