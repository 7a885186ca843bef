import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The schema a migration runs in: the DataSource's own, so the same class serves any schema. */
export function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return schema ?? 'public';
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The outbox and inbox tables in a service's schema. A service migration extends this class with
 * its own timestamped name (TypeORM records migrations by class name):
 *
 *     export class CreateOutboxInbox1763800000000 extends CreateOutboxAndInbox {}
 */
export abstract class CreateOutboxAndInbox implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    // `seq` gives the publication order; `id` is the CloudEvent id, unique so a message is written once.
    await queryRunner.query(`
      CREATE TABLE ${s}.outbox (
        seq          bigserial PRIMARY KEY,
        id           text NOT NULL UNIQUE,
        topic        text NOT NULL,
        key          text,
        payload      jsonb NOT NULL,
        headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX outbox_unpublished ON ${s}.outbox (seq) WHERE published_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE ${s}.inbox (
        consumer     text NOT NULL,
        event_id     text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(schemaOf(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.inbox`);
    await queryRunner.query(`DROP TABLE ${s}.outbox`);
  }
}
