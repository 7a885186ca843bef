import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first migration of every service: the schema it owns. Each service declares its own subclass
 * (TypeORM names migrations by class name, which must end in a timestamp).
 */
export abstract class CreateServiceSchema implements MigrationInterface {
  protected abstract readonly schema: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    // Two processes migrating the same database at once (two instances of a service starting together,
    // two test files on a fresh stack) would both try to create the schema, and PostgreSQL lets only one
    // of two concurrent creations of a name succeed (the other: unique violation on pg_namespace, even
    // with IF NOT EXISTS). A lock held to the end of this migration's transaction (the data sources run
    // each migration in one: migrationsTransactionMode 'each') puts the second after the first.
    await queryRunner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`datawell:create-schema:${this.schema}`]);
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
  }

  /** Keeps the schema: TypeORM's migrations table lives in it, and dropping a service's data is an operator's call. */
  async down(): Promise<void> {}
}
