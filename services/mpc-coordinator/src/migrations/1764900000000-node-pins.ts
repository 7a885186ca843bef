import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A node its member runs in its own domain (trust domains, issue 12) is reported on the channel with
 * its TLS certificate, issued by the member's own CA, and that CA's certificate: the coordinator
 * pins them when it calls the node (null for nodes of the operator's mesh CA and hand-registered ones).
 */
export class CoordinatorNodePins1764900000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.mpc_nodes ADD COLUMN certificate_pem text, ADD COLUMN ca_certificate_pem text`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${(q.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await q.query(`ALTER TABLE ${s}.mpc_nodes DROP COLUMN certificate_pem, DROP COLUMN ca_certificate_pem`);
  }
}
