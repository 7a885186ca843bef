import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { stackConnection } from '@datawell/testing';
import { CreateServiceSchema } from '../../src';
import { dataSourceOptions, openDataSource } from '../../src/database';

const schema = `dw_it_${randomBytes(4).toString('hex')}`;

class CreateTestSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = schema;
}

describe('openDataSource against the real PostgreSQL', () => {
  const url = () => stackConnection().postgres.url;

  afterAll(async () => {
    const db = new Client({ connectionString: url() });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
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

});
