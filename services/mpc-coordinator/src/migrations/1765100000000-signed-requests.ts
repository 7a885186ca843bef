import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The requester's signature of a computation request (requestId, issuedAtMs, certificatePem,
 * signature), passed on to the MPC nodes, which take part only with one that verifies (issue 12).
 * Null for requests sent without one.
 */
export class ComputationSignedRequests1765100000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.computations ADD COLUMN signed_request jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.computations DROP COLUMN signed_request`);
  }
}
