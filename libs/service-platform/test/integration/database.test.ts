import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { stackConnection } from '@datawell/testing';
import { CreateServiceSchema } from '../../src';
import { dataSourceOptions, openDataSource } from '../../src/database';

const schema = `dw_it_${randomBytes(4).toString('hex')}`;
/** Created by the first migration of several scratch schemas at once (as test harnesses migrate theirs). */
const shared = `dw_it_shared_${randomBytes(4).toString('hex')}`;
const scratches = Array.from({ length: 10 }, (_, i) => i + 1).map((i) => `${shared}_s${i}`);

class CreateTestSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = schema;
}

class CreateSharedSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = shared;
}

describe('openDataSource against the real PostgreSQL', () => {
  const url = () => stackConnection().postgres.url;

  afterAll(async () => {
    const db = new Client({ connectionString: url() });
    await db.connect();
    for (const name of [schema, shared, ...scratches]) await db.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await db.end();
  });

  it('lets replicas booting together migrate a fresh schema exactly once', async () => {
    const options = dataSourceOptions('it', { url: url(), schema }, [CreateTestSchema1763700000000]);
    const sources = await Promise.all([1, 2, 3].map(() => openDataSource(options)));
    try {
      const rows = await sources[0]!.query(`SELECT name FROM "${schema}"."migrations"`);
      expect(rows).toEqual([{ name: 'CreateTestSchema1763700000000' }]);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
    }
  });

  it('creates a service schema once when data sources of other schemas run its migration at the same moment', async () => {
    // Not through openDataSource (which locks per data source schema): ten scratch schemas, each with its
    // own migrations table, whose first migration creates the same service schema, as the services'
    // integration harnesses migrate theirs. Two concurrent CREATE SCHEMA IF NOT EXISTS of one name fail
    // one of them (unique violation on pg_namespace) unless the migration serialises them.
    const sources = scratches.map((scratch) => new DataSource({ type: 'postgres', url: url(), schema: scratch, migrations: [CreateSharedSchema1763700000000], migrationsTableName: 'migrations', migrationsTransactionMode: 'each' }));
    try {
      await Promise.all(sources.map((s) => s.initialize()));
      for (const [i, source] of sources.entries()) await source.query(`CREATE SCHEMA "${scratches[i]}"`);
      const outcomes = await Promise.allSettled(sources.map((s) => s.runMigrations()));
      expect(outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : String(o.reason)))).toEqual(sources.map(() => 'ok'));
      const [{ count }] = (await sources[0]!.query('SELECT count(*)::int AS count FROM pg_namespace WHERE nspname = $1', [shared])) as [{ count: number }];
      expect(count).toBe(1);
    } finally {
      await Promise.all(sources.filter((s) => s.isInitialized).map((s) => s.destroy()));
    }
  });
});
