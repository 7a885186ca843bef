import type { MigrationInterface, QueryRunner } from 'typeorm';

const schemaOf = (queryRunner: QueryRunner) => `"${((queryRunner.connection.options as { schema?: string }).schema ?? 'public').replace(/"/g, '""')}"`;

/**
 * Every revision keeps its author's signature: the revision its proposal answers, the certificate
 * and the base64 DER ECDSA-SHA256 signature over canonicalJson({sessionId, answers, proposal})
 * (docs/negotiation.md, "Signed proposals"). Revisions proposed before proposals were signed keep
 * NULLs; every new one has all three (the service refuses an unsigned proposal).
 */
export class SignedNegotiationProposals1764100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.revisions ADD COLUMN answers integer, ADD COLUMN certificate_pem text, ADD COLUMN signature text`);
    await queryRunner.query(
      `ALTER TABLE ${s}.revisions ADD CONSTRAINT revisions_signed_whole CHECK ((answers IS NULL) = (signature IS NULL) AND (signature IS NULL) = (certificate_pem IS NULL))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.revisions DROP CONSTRAINT revisions_signed_whole, DROP COLUMN signature, DROP COLUMN certificate_pem, DROP COLUMN answers`);
  }
}
