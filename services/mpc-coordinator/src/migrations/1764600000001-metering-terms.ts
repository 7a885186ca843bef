import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the coordinator keeps of each DAO version's terms to decide whether a completed computation
 * is metered (MeterComputation): the business model and the price per computation (null without
 * one), from VersionCreated and an accepted change-terms ProposalDecided. A version with no row here
 * (created before this table) is metered as before: the chaincode decides.
 */
export class CoordinatorMeteringTerms1764600000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`CREATE TABLE ${s}.metering_terms (
      dao_id text NOT NULL,
      version integer NOT NULL,
      business_model text NOT NULL,
      per_computation text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (dao_id, version)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`DROP TABLE ${s}.metering_terms`);
  }
}
