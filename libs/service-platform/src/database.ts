import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import type { PostgresConfig } from '@datawell/config';

type MigrationClass = new () => MigrationInterface;

export function dataSourceOptions(
  service: string,
  postgres: PostgresConfig,
  migrations: readonly MigrationClass[],
): DataSourceOptions {
  return {
    type: 'postgres',
    url: postgres.url,
    schema: postgres.schema,
    applicationName: `datawell-${service}`,
    entities: [],
    migrations: [...migrations],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
}

/**
 * Connects and brings the service's schema up to date. TypeORM keeps its migrations table inside
 * the DataSource's schema and creates that table before running any migration, so the schema is
 * made to exist first; the service's first migration owns it. Replicas booting together take turns
 * under an advisory lock, since CREATE SCHEMA IF NOT EXISTS and migrations race otherwise.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  const schema = (options as { schema?: string }).schema ?? 'public';
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`datawell.migrations.${schema}`]);
    try {
      await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`datawell.migrations.${schema}`]);
    }
    return dataSource;
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  } finally {
    await lock.release().catch(() => undefined);
  }
}
