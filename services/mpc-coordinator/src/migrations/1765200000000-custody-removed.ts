import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Custody removed (issue #11): the coordinator no longer charges subscriptions or meters computations
 * as the members of a DAO the operator held. Its subscription periods (`subscriptions`) and the terms
 * it metered from (`metering_terms`) go. (`computations.result` stays, always NULL now: the domains
 * e2e reads it.) Down brings the tables back empty: what they held is not restored.
 */
export class CoordinatorCustodyRemoved1765200000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`DROP TABLE IF EXISTS ${s}.subscriptions`);
    await q.query(`DROP TABLE IF EXISTS ${s}.metering_terms`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`CREATE TABLE ${s}.metering_terms (
      dao_id text NOT NULL,
      version integer NOT NULL,
      business_model text NOT NULL,
      per_computation text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (dao_id, version)
    )`);
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
}
