import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subscription versions the coordinator charges each period (ChargeSubscription): when the first
 * period begins, its length, when the term ends, the founding member the commands act as, how many
 * periods were already sent, and whether a successor version took over.
 */
export class CoordinatorSubscriptions1764400000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`CREATE TABLE ${s}.subscriptions (
      dao_id text NOT NULL,
      version integer NOT NULL,
      period_seconds integer NOT NULL CHECK (period_seconds > 0),
      starts_at_ms bigint NOT NULL,
      ends_at_ms bigint NOT NULL,
      acting_msp_id text NOT NULL,
      periods_sent integer NOT NULL DEFAULT 0,
      superseded boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (dao_id, version)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`DROP TABLE ${s}.subscriptions`);
  }
}
