import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort, stackEnv } from '@datawell/testing';

// The real entry point, as operators start it: `node -r @swc-node/register services/marketplace/src/main.ts`.
const root = join(__dirname, '..', '..', '..', '..');
const main = 'services/marketplace/src/main.ts';

function start(env: Record<string, string>): { child: ChildProcess; lines: () => Array<Record<string, unknown>> } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, lines };
}

async function until(what: string, predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('marketplace main.ts', () => {
  it('refuses a bad environment with exit code 1 and one line naming every variable', async () => {
    const { child, lines } = start({ MARKETPLACE_HTTP_PORT: 'eighty' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    const records = lines();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 'fatal', service: 'marketplace', code: 'CONFIG_INVALID' });
    const variables = (records[0]?.['issues'] as Array<{ variable: string }>).map((i) => i.variable).sort();
    expect(variables).toEqual(['DATAWELL_KAFKA_BROKERS', 'DATAWELL_POSTGRES_URL', 'MARKETPLACE_HTTP_PORT']);
  });

  it('exits 1 after its retries when PostgreSQL is unreachable, naming the cause', async () => {
    const env: Record<string, string> = { ...stackEnv(), MARKETPLACE_HTTP_PORT: String(await freePort()), MARKETPLACE_GRPC_PORT: '0' };
    const unreachable = new URL(env['DATAWELL_POSTGRES_URL'] as string);
    unreachable.port = String(await freePort());
    const { child, lines } = start({ ...env, DATAWELL_POSTGRES_URL: unreachable.toString() });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    const fatal = lines().find((l) => l['level'] === 'fatal');
    expect(fatal?.['message']).toMatch(/^failed to start: .*ECONNREFUSED/);
    if (unreachable.password) expect(JSON.stringify(lines())).not.toContain(unreachable.password);
  }, 60000);

  it('listens on its port, answers /health, and stops cleanly on SIGTERM without logging secrets', async () => {
    const port = await freePort();
    const env: Record<string, string> = { ...stackEnv(), MARKETPLACE_HTTP_PORT: String(port), MARKETPLACE_GRPC_PORT: '0' };
    const { child, lines } = start(env);
    try {
      await until('listening', () => lines().some((l) => (l['message'] as { message?: string })?.message === 'listening'), 60000);
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, kafka: { status: 'up' } } });

      child.kill('SIGTERM');
      // A clean stop closes Kafka consumers, which may be mid-join in a busy cluster: allow it time.
      await until('exit after SIGTERM', () => child.exitCode !== null || child.signalCode !== null, 45000);
      expect(lines().some((l) => (l['message'] as { signal?: string })?.signal === 'SIGTERM')).toBe(true);

      const password = new URL(env['DATAWELL_POSTGRES_URL'] as string).password;
      if (password) expect(JSON.stringify(lines())).not.toContain(password);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});
