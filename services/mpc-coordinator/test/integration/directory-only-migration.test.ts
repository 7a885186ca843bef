import { DataSource } from 'typeorm';
import { stackConnection } from '@datawell/testing';
import { MIGRATIONS } from '../../src/migrations';
import { CoordinatorDirectoryOnly1765300000000 } from '../../src/migrations/1765300000000-directory-only';
import { hex } from './harness';

jest.setTimeout(120_000);

/**
 * The migration CoordinatorDirectoryOnly on the stack's PostgreSQL, in a schema of its own: the
 * coordinator's tables as the earlier migrations left them, holding a version known from its channel
 * (with a member's and a ledger-reported node) beside a public one (with its member's node) and a
 * computation; up keeps the public version, its node and the computation and drops the rest and the
 * columns; down brings the columns back.
 */
describe('the migration CoordinatorDirectoryOnly', () => {
  const schema = `it_mpc_migration_${hex()}`;
  let dataSource: DataSource;
  const columns = async (table: string): Promise<string[]> =>
    ((await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name`, [schema, table])) as Array<{ column_name: string }>).map((c) => c.column_name);

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'postgres', url: stackConnection().postgres.url, schema });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    const runner = dataSource.createQueryRunner();
    try {
      // The coordinator's own tables, from CreateCoordinatorTables to CoordinatorCustodyRemoved (the schema, outbox and identity directory are not its subject).
      const earlier = MIGRATIONS.slice(MIGRATIONS.findIndex((m) => m.name.startsWith('CreateCoordinatorTables')), MIGRATIONS.indexOf(CoordinatorDirectoryOnly1765300000000));
      expect(earlier.length).toBeGreaterThan(5);
      for (const M of earlier) await new M().up(runner);
    } finally {
      await runner.release();
    }
  });

  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it('keeps the public versions, their nodes and the computations, drops what only channel events filled, and down restores the columns', async () => {
    const s = `"${schema}"`;
    const member = (msp: string) => JSON.stringify([{ mspId: msp, role: '', group: '', status: 'active' }]);
    await dataSource.query(`INSERT INTO ${s}.dao_versions (dao_id, version, channel, members, computations, source) VALUES ('held', 1, 'dao-held-v1', $1::jsonb, '[]'::jsonb, 'channel'), ('pub', 1, 'dao-pub-v1', $1::jsonb, NULL, 'directory')`, [member('DspMSP')]);
    await dataSource.query(
      `INSERT INTO ${s}.mpc_nodes (dao_id, version, msp_id, party_index, control_url, source, workload_id) VALUES
        ('held', 1, 'DspMSP', 0, 'https://n0', 'member', NULL), ('pub', 1, 'DspMSP', 0, 'https://p0', 'member', NULL), ('pub', 1, 'VspMSP', 1, 'https://p1', 'ledger', 'w1')`,
    );
    await dataSource.query(`INSERT INTO ${s}.computations (id, dao_id, version, computation, requester, recipients, owner, parameters, dataset, status, result) VALUES ('c1', 'pub', 1, 'mean', 'VspMSP', '["VspMSP"]', 'DspMSP', '{}', '{}', 'completed', '{"mean": 1}')`);

    const runner = dataSource.createQueryRunner();
    try {
      await new CoordinatorDirectoryOnly1765300000000().up(runner);
      expect(await dataSource.query(`SELECT * FROM ${s}.dao_versions`)).toEqual([expect.objectContaining({ dao_id: 'pub', version: 1, channel: 'dao-pub-v1' })]);
      expect(await dataSource.query(`SELECT dao_id, msp_id FROM ${s}.mpc_nodes`)).toEqual([{ dao_id: 'pub', msp_id: 'DspMSP' }]);
      expect(await dataSource.query(`SELECT id FROM ${s}.computations`)).toEqual([{ id: 'c1' }]);
      expect(await columns('dao_versions')).toEqual(['channel', 'dao_id', 'members', 'updated_at', 'version']);
      expect(await columns('mpc_nodes')).not.toEqual(expect.arrayContaining(['source']));
      expect(await columns('mpc_nodes')).not.toEqual(expect.arrayContaining(['workload_id']));
      expect(await columns('computations')).not.toEqual(expect.arrayContaining(['result']));

      await new CoordinatorDirectoryOnly1765300000000().down(runner);
      expect(await dataSource.query(`SELECT dao_id, source, computations, nodes_revision FROM ${s}.dao_versions`)).toEqual([{ dao_id: 'pub', source: 'directory', computations: null, nodes_revision: null }]);
      expect(await dataSource.query(`SELECT source, workload_id FROM ${s}.mpc_nodes`)).toEqual([{ source: 'member', workload_id: null }]);
      expect(await dataSource.query(`SELECT result FROM ${s}.computations`)).toEqual([{ result: null }]);
      // A row written after down takes the earlier default: a version from its channel.
      await dataSource.query(`INSERT INTO ${s}.dao_versions (dao_id, version, channel, members) VALUES ('later', 1, 'dao-later-v1', '[]'::jsonb)`);
      expect(await dataSource.query(`SELECT source FROM ${s}.dao_versions WHERE dao_id = 'later'`)).toEqual([{ source: 'channel' }]);
    } finally {
      await runner.release();
    }
  });
});
