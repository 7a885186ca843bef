import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { StackError } from '../errors';
import { postgresBinDir } from '../install/debian';
import { operatorProcessUser } from '../domains/operator-files';
import { chownTree, osUser } from '../os-user';
import { isAlive, readPid, run, startDaemon, stopDaemon, waitForDaemon } from '../proc';
import type { Component, ComponentHealth, StackContext } from './component';
import { ensureTraversable } from './files';

export const POSTGRES_USER = 'datawell';
export const POSTGRES_PASSWORD = 'datawell-dev';
export const POSTGRES_DATABASE = 'datawell';
const SYSTEM_USER = 'postgres';

/**
 * One PostgreSQL cluster: the stack's own (the operator's domain's database), or a trust domain's,
 * with its data under the domain's folder and run as the domain's OS user.
 */
export interface PostgresInstance {
  /** Process name, in logs and status: `postgres`, `postgres@AcmeMSP`. */
  readonly name: string;
  readonly port: number;
  /** The OS user that owns the data and runs the server. */
  readonly user: string;
  /** Holds data/ (the cluster) and run/ (its sockets). */
  readonly home: string;
  readonly password: string;
  readonly logFile: string;
  readonly pidFile: string;
  /** Memory and connections: the stack's serves every service and test; a domain's its own few. */
  readonly sharedBuffers: string;
  readonly maxConnections: number;
  /** The stack's own: its folder is in the stack folder, whose parents its user must be able to traverse. */
  readonly inStackFolder?: true;
}

/**
 * The stack's own cluster is the operator's domain's: it runs as the operator's OS user
 * (`dw-operator`) when the tooling may switch to it (root; `up` makes the user first), else as
 * Debian's `postgres` user. A cluster an earlier stack ran as `postgres` is handed over to the
 * operator's user at its next start (startPostgres).
 */
export function stackPostgres(ctx: StackContext): PostgresInstance {
  const home = join(ctx.settings.stackDir, 'postgres');
  return { name: 'postgres', port: ctx.settings.ports.postgres, user: operatorProcessUser() ?? SYSTEM_USER, home, password: POSTGRES_PASSWORD, logFile: join(ctx.settings.stackDir, 'logs', 'postgres.log'), pidFile: join(ctx.settings.stackDir, 'run', 'postgres.pid'), sharedBuffers: '128MB', maxConnections: 300, inStackFolder: true };
}

export function postgresUrl(ctx: StackContext): string {
  return instanceUrl(stackPostgres(ctx));
}

export function instanceUrl(inst: PostgresInstance): string {
  return `postgres://${POSTGRES_USER}:${encodeURIComponent(inst.password)}@127.0.0.1:${inst.port}/${POSTGRES_DATABASE}`;
}

/**
 * One statement on a new connection. `connectMs`: 2 s for a probe (asked again, or a status that
 * must answer soon); the statements after a start have 15 s, since a server that just answered may
 * take longer than 2 s to fork and authenticate one more connection on a loaded machine (an
 * integration file's domain failed to start so in a CI rehearsal, at 99 % busy).
 */
async function query(inst: PostgresInstance, database: string, sql: string, connectMs = 2000): Promise<unknown[]> {
  const client = new Client({ host: '127.0.0.1', port: inst.port, user: POSTGRES_USER, password: inst.password, database, connectionTimeoutMillis: connectMs });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const AFTER_START_CONNECT_MS = 15_000;

/** Starts the instance (initialising its cluster on first use) and waits until it answers SQL. */
export async function startPostgres(ctx: StackContext, inst: PostgresInstance): Promise<void> {
  const bin = postgresBinDir();
  if (!bin) throw new StackError('NOT_INSTALLED', 'PostgreSQL is not installed: run ./dev stack install', 'postgres');
  const data = join(inst.home, 'data');
  const sockets = join(inst.home, 'run');
  // Local socket connections are trusted (initdb --auth-local=trust): only the server's user may
  // reach them (set on a running cluster too, whose folder an older stack made 0755).
  if (existsSync(sockets)) chmodSync(sockets, 0o700);
  if (isAlive(readPid(inst.pidFile)) && (await healthy(inst))) return;
  mkdirSync(inst.home, { recursive: true });
  mkdirSync(sockets, { recursive: true });
  // A domain's instance lives in its user's own folder; the stack's needs a way in for its user.
  if (inst.inStackFolder) ensureTraversable(inst.home, ctx.progress);
  const owner = userIds(inst.user);
  // A cluster another user ran (the stack's, as `postgres` before it became the operator's) is handed
  // over whole while it is stopped: PostgreSQL runs only as its data folder's owner.
  if (existsSync(join(data, 'PG_VERSION')) && statSync(data).uid !== owner.uid) {
    ctx.progress.step('postgres', `handing the cluster in ${data} over to ${inst.user}`);
    chownTree(inst.home, owner.uid, owner.gid);
  }
  chownSync(inst.home, owner.uid, owner.gid);
  chownSync(sockets, owner.uid, owner.gid);
  chmodSync(sockets, 0o700);
  if (!existsSync(join(data, 'PG_VERSION'))) {
    ctx.progress.step('postgres', `initialising a cluster in ${data}`);
    const pwFile = join(inst.home, '.pwfile');
    writeFileSync(pwFile, `${inst.password}\n`, { mode: 0o600 });
    chownSync(pwFile, owner.uid, owner.gid);
    await run(join(bin, 'initdb'), ['-D', data, '-U', POSTGRES_USER, `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale'], { user: inst.user, cwd: inst.home });
  }
  ctx.progress.step('postgres', `starting ${inst.name} on 127.0.0.1:${inst.port} as ${inst.user}`);
  startDaemon({
    name: inst.name,
    user: inst.user,
    cmd: join(bin, 'postgres'),
    args: ['-D', data, '-p', String(inst.port), '-k', sockets, '-c', 'listen_addresses=127.0.0.1', '-c', `max_connections=${inst.maxConnections}`, '-c', `shared_buffers=${inst.sharedBuffers}`],
    cwd: inst.home,
    logFile: inst.logFile,
    pidFile: inst.pidFile,
  });
  await waitForDaemon(`PostgreSQL ${inst.name}`, inst, () => healthy(inst), 60000, 'postgres');
  const exists = await query(inst, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${POSTGRES_DATABASE}'`, AFTER_START_CONNECT_MS);
  if (exists.length === 0) await query(inst, 'postgres', `CREATE DATABASE ${POSTGRES_DATABASE}`, AFTER_START_CONNECT_MS);
}

export async function stopPostgres(inst: PostgresInstance): Promise<void> {
  await stopDaemon(inst.pidFile, 30000);
}

export async function postgresHealth(inst: PostgresInstance): Promise<ComponentHealth> {
  const pid = readPid(inst.pidFile);
  const endpoint = `127.0.0.1:${inst.port}`;
  if (!isAlive(pid)) return { name: inst.name, healthy: false, endpoint, detail: 'not running' };
  try {
    const [row] = (await query(inst, POSTGRES_DATABASE, 'SELECT version() AS v')) as { v: string }[];
    return { name: inst.name, healthy: true, pid, endpoint, detail: (row?.v ?? '').split(' on ')[0] ?? 'up' };
  } catch (e) {
    return { name: inst.name, healthy: false, pid, endpoint, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** The stack's own PostgreSQL cluster from Debian's binaries, run as the operator's OS user (stackPostgres). */
export const postgres: Component = {
  name: 'postgres',
  start: (ctx) => startPostgres(ctx, stackPostgres(ctx)),
  stop: (ctx) => stopPostgres(stackPostgres(ctx)),
  health: async (ctx) => [await postgresHealth(stackPostgres(ctx))],
  logs: (ctx) => ({ postgres: stackPostgres(ctx).logFile }),
};

async function healthy(inst: PostgresInstance): Promise<boolean> {
  await query(inst, 'postgres', 'SELECT 1');
  return true;
}

function userIds(name: string): { uid: number; gid: number } {
  try {
    return osUser(name);
  } catch {
    const hint = name === SYSTEM_USER ? " (reinstall Debian's postgresql package)" : '';
    throw new StackError('NOT_INSTALLED', `system user ${name} is missing${hint}`, 'postgres');
  }
}
