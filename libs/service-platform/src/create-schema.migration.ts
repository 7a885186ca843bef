import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first migration of every service: the schema it owns. Each service declares its own subclass
 * (TypeORM names migrations by class name, which must end in a timestamp).
 */
export abstract class CreateServiceSchema implements MigrationInterface {
  protected abstract readonly schema: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
  }

  /** Keeps the schema: TypeORM's migrations table lives in it, and dropping a service's data is an operator's call. */
  async down(): Promise<void> {}
}
