import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A channel the bridge's organisation has left (its position transferred, then its organisation
 * removed from the channel): when, and why. The relay and the proposal sweep no longer follow it;
 * registering the channel again (the organisation seated anew) clears it.
 */
export class LedgerBridgeChannelLeft1763800000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`ALTER TABLE ${s}.channels ADD COLUMN left_at timestamptz, ADD COLUMN left_reason text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`ALTER TABLE ${s}.channels DROP COLUMN left_reason, DROP COLUMN left_at`);
  }
}
