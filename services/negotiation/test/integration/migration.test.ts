import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { CreateServiceSchema } from '@datawell/service-platform';
import { stackConnection } from '@datawell/testing';
import { MIGRATIONS } from '../../src/migrations';
import { NegotiationSessionStates1764200000000 } from '../../src/migrations/1764200000000-session-states';

jest.setTimeout(120_000);

const schema = `neg_mig_${randomBytes(4).toString('hex')}`;

class CreateScratchSchema1763700000000 extends CreateServiceSchema {
  protected readonly schema = schema;
}

/**
 * Migration 1764200000000 on rows made before it, in a scratch schema of the real PostgreSQL: every
 * existing session and history row gets the state its status implies, and the constraints that now
 * tie status and state accept them.
 */
/** The schema migrated with `migrations`, as the service's own DataSource does it (one transaction each). */
async function migrate(url: string, migrations: ReadonlyArray<new () => MigrationInterface>): Promise<DataSource> {
  const dataSource = await new DataSource({ type: 'postgres', url, schema, migrations: [...migrations], migrationsTableName: 'migrations', migrationsTransactionMode: 'each' }).initialize();
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

describe('negotiation migration: session states keep existing rows valid', () => {
  const url = () => stackConnection().postgres.url;
  const before = MIGRATIONS.slice(1, MIGRATIONS.indexOf(NegotiationSessionStates1764200000000));

  afterAll(async () => {
    const db = new Client({ connectionString: url() });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  });

  it('backfills state from status, revisions and acceptances; history from the change', async () => {
    const old = await migrate(url(), [CreateScratchSchema1763700000000, ...before]);
    const s = `"${schema}"`;
    try {
      const session = (id: string, status: string, revision: number) =>
        old.query(`INSERT INTO ${s}.sessions (id, kind, dao_id, version, plan, created_by, status, revision) VALUES ($1, 'formation', $1, 1, '{}'::jsonb, 'DspMSP', $2, $3)`, [id, status, revision]);
      const revision = (id: string, r: number) =>
        old.query(`INSERT INTO ${s}.revisions (session_id, revision, proposed_by, enrollment_id, proposal, agreement) VALUES ($1, $2, 'DspMSP', 'u', '{}'::jsonb, '{}'::jsonb)`, [id, r]);
      await session('s-new', 'open', 0);
      await session('s-offered', 'open', 2);
      await revision('s-offered', 1);
      await revision('s-offered', 2);
      // An acceptance of the earlier revision only: still offered.
      await old.query(`INSERT INTO ${s}.acceptances (session_id, revision, msp_id, enrollment_id, certificate_pem, signature) VALUES ('s-offered', 1, 'VspMSP', 'u', 'pem', 'sig')`);
      await session('s-accepted', 'open', 1);
      await revision('s-accepted', 1);
      await old.query(`INSERT INTO ${s}.acceptances (session_id, revision, msp_id, enrollment_id, certificate_pem, signature) VALUES ('s-accepted', 1, 'VspMSP', 'u', 'pem', 'sig')`);
      await session('s-agreed', 'agreed', 1);
      await session('s-formed', 'formed', 1);
      await session('s-failed', 'failed', 1);
      await old.query(`UPDATE ${s}.sessions SET failure_code = 'CHANNEL_FAILED', failure_message = 'x' WHERE id = 's-failed'`);
      for (const change of ['created', 'proposed', 'accepted', 'agreed', 'formed', 'failed']) {
        await old.query(`INSERT INTO ${s}.history (session_id, change) VALUES ('s-failed', $1)`, [change]);
      }
    } finally {
      await old.destroy();
    }

    const migrated = await migrate(url(), [CreateScratchSchema1763700000000, ...before, NegotiationSessionStates1764200000000]);
    try {
      const rows = (await migrated.query(`SELECT id, status, state, state_changed_at = updated_at AS stamped FROM ${s}.sessions ORDER BY id`)) as unknown[];
      expect(rows).toEqual([
        { id: 's-accepted', status: 'open', state: 'accepted', stamped: true },
        { id: 's-agreed', status: 'agreed', state: 'agreed', stamped: true },
        { id: 's-failed', status: 'failed', state: 'terminated', stamped: true },
        { id: 's-formed', status: 'formed', state: 'finalized', stamped: true },
        { id: 's-new', status: 'open', state: 'requested', stamped: true },
        { id: 's-offered', status: 'open', state: 'offered', stamped: true },
      ]);
      const history = (await migrated.query(`SELECT change, state FROM ${s}.history ORDER BY seq`)) as unknown[];
      expect(history).toEqual([
        { change: 'created', state: 'requested' },
        { change: 'proposed', state: 'offered' },
        { change: 'accepted', state: null },
        { change: 'agreed', state: 'agreed' },
        { change: 'formed', state: 'finalized' },
        { change: 'failed', state: 'terminated' },
      ]);
      // The status and the state are tied from now on.
      await expect(migrated.query(`UPDATE ${s}.sessions SET state = 'agreed' WHERE id = 's-new'`)).rejects.toThrow(/sessions_state_status/);
      await expect(migrated.query(`UPDATE ${s}.sessions SET state = 'nonsense', status = 'failed' WHERE id = 's-new'`)).rejects.toThrow(/sessions_state/);
    } finally {
      await migrated.destroy();
    }
  });
});
