import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { StackError } from '../errors';
import { postgresBinDir } from '../install/debian';
import { isAlive, readPid, run, startDaemon, stopDaemon, waitForDaemon } from '../proc';
import type { Component, ComponentHealth, StackContext } from './component';
import { ensureTraversable } from './files';

export const POSTGRES_USER = 'datawell';
export const POSTGRES_PASSWORD = 'datawell-dev';
export const POSTGRES_DATABASE = 'datawell';
const SYSTEM_USER = 'postgres';

export function postgresUrl(ctx: StackContext): string {
  return `postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@127.0.0.1:${ctx.settings.ports.postgres}/${POSTGRES_DATABASE}`;
}

function dirs(ctx: StackContext) {
  const home = join(ctx.settings.stackDir, 'postgres');
  return { home, data: join(home, 'data'), sockets: join(home, 'run'), log: join(ctx.settings.stackDir, 'logs', 'postgres.log'), pid: join(ctx.settings.stackDir, 'run', 'postgres.pid') };
}

async function query(ctx: StackContext, database: string, sql: string): Promise<unknown[]> {
  const client = new Client({ host: '127.0.0.1', port: ctx.settings.ports.postgres, user: POSTGRES_USER, password: POSTGRES_PASSWORD, database, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A project-local PostgreSQL cluster from Debian's binaries, run as the postgres system user. */
export const postgres: Component = {
  name: 'postgres',
  async start(ctx) {
    const bin = postgresBinDir();
    if (!bin) throw new StackError('NOT_INSTALLED', 'PostgreSQL is not installed: run ./dev stack install', 'postgres');
    const d = dirs(ctx);
    if (isAlive(readPid(d.pid)) && (await healthy(ctx))) return;
    mkdirSync(d.home, { recursive: true });
    mkdirSync(d.sockets, { recursive: true });
    ensureTraversable(d.home, ctx.progress);
    const { uid, gid } = await systemUser();
    chownSync(d.home, uid, gid);
    chownSync(d.sockets, uid, gid);
    if (!existsSync(join(d.data, 'PG_VERSION'))) {
      ctx.progress.step('postgres', `initialising a cluster in ${d.data}`);
      const pwFile = join(d.home, '.pwfile');
      writeFileSync(pwFile, `${POSTGRES_PASSWORD}\n`, { mode: 0o600 });
      chownSync(pwFile, uid, gid);
      await run('runuser', ['-u', SYSTEM_USER, '--', join(bin, 'initdb'), '-D', d.data, '-U', POSTGRES_USER, `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale']);
    }
    ctx.progress.step('postgres', `starting on 127.0.0.1:${ctx.settings.ports.postgres}`);
    startDaemon({
      name: 'postgres',
      user: SYSTEM_USER,
      cmd: join(bin, 'postgres'),
      args: ['-D', d.data, '-p', String(ctx.settings.ports.postgres), '-k', d.sockets, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'shared_buffers=128MB'],
      logFile: d.log,
      pidFile: d.pid,
    });
    await waitForDaemon('PostgreSQL', { pidFile: d.pid, logFile: d.log }, () => healthy(ctx), 60000, 'postgres');
    const exists = await query(ctx, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${POSTGRES_DATABASE}'`);
    if (exists.length === 0) await query(ctx, 'postgres', `CREATE DATABASE ${POSTGRES_DATABASE}`);
  },
  async stop(ctx) {
    await stopDaemon(dirs(ctx).pid, 30000);
  },
  async health(ctx): Promise<ComponentHealth[]> {
    const pid = readPid(dirs(ctx).pid);
    const endpoint = `127.0.0.1:${ctx.settings.ports.postgres}`;
    if (!isAlive(pid)) return [{ name: 'postgres', healthy: false, endpoint, detail: 'not running' }];
    try {
      const [row] = (await query(ctx, POSTGRES_DATABASE, 'SELECT version() AS v')) as { v: string }[];
      return [{ name: 'postgres', healthy: true, pid, endpoint, detail: (row?.v ?? '').split(' on ')[0] ?? 'up' }];
    } catch (e) {
      return [{ name: 'postgres', healthy: false, pid, endpoint, detail: e instanceof Error ? e.message : String(e) }];
    }
  },
  logs: (ctx) => ({ postgres: dirs(ctx).log }),
};

async function healthy(ctx: StackContext): Promise<boolean> {
  await query(ctx, 'postgres', 'SELECT 1');
  return true;
}

async function systemUser(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', SYSTEM_USER]).catch(() => {
    throw new StackError('NOT_INSTALLED', `system user ${SYSTEM_USER} is missing (reinstall Debian's postgresql package)`, 'postgres');
  });
  const { stdout: gid } = await run('id', ['-g', SYSTEM_USER]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
