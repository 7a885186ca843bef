import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { run } from '@datawell/stack';
import { stackConnection } from '../../src';

describe('OpenTofu with its state in PostgreSQL', () => {
  const schema = `tofu_it_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'datawell-tofu-'));
  const tofu = (args: string[]) =>
    run(stackConnection().opentofu.binary, args, {
      cwd: dir,
      // The pg backend reads the connection string from the environment, so it is never written to disk.
      env: { PG_CONN_STR: `${stackConnection().postgres.url}?sslmode=disable`, TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
    });
  const db = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: stackConnection().postgres.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(() => {
    writeFileSync(
      join(dir, 'main.tf'),
      `terraform {\n  backend "pg" {\n    schema_name = "${schema}"\n  }\n}\n\nvariable "label" {\n  type = string\n}\n\nresource "terraform_data" "probe" {\n  input = var.label\n}\n\noutput "label" {\n  value = terraform_data.probe.output\n}\n`,
    );
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('inits, applies a terraform_data resource, keeps the state in PostgreSQL and destroys it', async () => {
    await tofu(['init', '-no-color']);
    await tofu(['workspace', 'new', 'dao-it-v1', '-no-color']);
    await tofu(['apply', '-auto-approve', '-no-color', '-var', 'label=datawell']);
    const { stdout } = await tofu(['output', '-json']);
    expect(JSON.parse(stdout)).toEqual({ label: expect.objectContaining({ value: 'datawell' }) });

    const states = await db<{ name: string; data: string }>(`SELECT name, data FROM "${schema}".states ORDER BY name`);
    expect(states.map((s) => s.name)).toContain('dao-it-v1');
    const state = JSON.parse(states.find((s) => s.name === 'dao-it-v1')!.data) as { resources: { type: string }[] };
    expect(state.resources.map((r) => r.type)).toEqual(['terraform_data']);

    await tofu(['destroy', '-auto-approve', '-no-color', '-var', 'label=datawell']);
    const after = await db<{ data: string }>(`SELECT data FROM "${schema}".states WHERE name = $1`, ['dao-it-v1']);
    expect((JSON.parse(after[0]!.data) as { resources: unknown[] }).resources).toEqual([]);
  });
});
