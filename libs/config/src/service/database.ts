import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import type { PostgresConfig } from '../load-config';

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
 * made to exist first; the service's first migration owns it (and drops it on revert).
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  try {
    const schema = (options as { schema?: string }).schema;
    if (schema) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
    return dataSource;
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}
