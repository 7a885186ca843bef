import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The results of MPC computations of which this bridge's member is a recipient, delivered by its own
 * MPC node (issue 12: results reach the recipients in their own domains, never the coordinator), one
 * per DAO version and job, with the ComputationCompleted transaction the member submitted for it.
 */
export class LedgerBridgeComputationResults1763800000004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`
      CREATE TABLE ${s}.computation_results (
        dao_id        text NOT NULL,
        version       integer NOT NULL,
        job_id        text NOT NULL,
        computation   text NOT NULL,
        members       text[] NOT NULL,
        result        jsonb NOT NULL,
        result_digest text NOT NULL CHECK (result_digest ~ '^[0-9a-f]{64}$'),
        tx_id         text NOT NULL,
        recorded_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dao_id, version, job_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`DROP TABLE ${s}.computation_results`);
  }
}
