import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { StackError } from '../errors';
import { redisServerBinary } from '../install/debian';
import { operatorProcessUser } from '../domains/operator-files';
import { chownTree, osUser } from '../os-user';
import { isAlive, readPid, startDaemon, stopDaemon, waitForDaemon } from '../proc';
import type { Component, ComponentHealth, StackContext } from './component';

/**
 * One Redis server: the stack's own (the operator's today), or a trust domain's, run as the
 * domain's OS user from a config file in its folder (so its password is not on a command line).
 */
export interface RedisInstance {
  /** Process name, in logs and status: `redis`, `redis@AcmeMSP`. */
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
  readonly pidFile: string;
  /** Runs as this OS user; the tooling's own user when absent. */
  readonly user?: string;
  /** A config file holding `requirepass` (and nothing else the command line does not say). */
  readonly configFile?: string;
  readonly password?: string;
}

/** The stack's own Redis is the operator's: it runs as the operator's user (`dw-operator`) when the tooling may switch to it. */
export function stackRedis(ctx: StackContext): RedisInstance {
  const user = operatorProcessUser();
  return { name: 'redis', port: ctx.settings.ports.redis, dataDir: join(ctx.settings.stackDir, 'redis'), logFile: join(ctx.settings.stackDir, 'logs', 'redis.log'), pidFile: join(ctx.settings.stackDir, 'run', 'redis.pid'), ...(user ? { user } : {}) };
}

async function ping(inst: RedisInstance): Promise<string> {
  const client = new Redis({ host: '127.0.0.1', port: inst.port, ...(inst.password ? { password: inst.password } : {}), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

/** Starts the instance with append-only persistence (BullMQ needs durability) and waits for INFO. */
export async function startRedis(ctx: StackContext, inst: RedisInstance): Promise<void> {
  const bin = redisServerBinary();
  if (!bin) throw new StackError('NOT_INSTALLED', 'Redis is not installed: run ./dev stack install', 'redis');
  if (isAlive(readPid(inst.pidFile))) return;
  mkdirSync(inst.dataDir, { recursive: true });
  if (inst.user) {
    // All of it: a folder an earlier Redis wrote as the tooling's user becomes the instance's.
    const { uid, gid } = osUser(inst.user);
    chownTree(inst.dataDir, uid, gid);
  }
  ctx.progress.step('redis', `starting ${inst.name} on 127.0.0.1:${inst.port}${inst.user ? ` as ${inst.user}` : ''}`);
  startDaemon({
    name: inst.name,
    ...(inst.user ? { user: inst.user } : {}),
    cmd: bin,
    args: [...(inst.configFile ? [inst.configFile] : []), '--port', String(inst.port), '--bind', '127.0.0.1', '--dir', inst.dataDir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--maxmemory-policy', 'noeviction'],
    ...(inst.user ? { cwd: inst.dataDir } : {}),
    logFile: inst.logFile,
    pidFile: inst.pidFile,
  });
  await waitForDaemon(`Redis ${inst.name}`, inst, async () => (await ping(inst)).length > 0, 30000, 'redis');
}

export async function stopRedis(inst: RedisInstance): Promise<void> {
  await stopDaemon(inst.pidFile);
}

export async function redisHealth(inst: RedisInstance): Promise<ComponentHealth> {
  const pid = readPid(inst.pidFile);
  const endpoint = `127.0.0.1:${inst.port}`;
  if (!isAlive(pid)) return { name: inst.name, healthy: false, endpoint, detail: 'not running' };
  try {
    return { name: inst.name, healthy: true, pid, endpoint, detail: `Redis ${await ping(inst)}` };
  } catch (e) {
    return { name: inst.name, healthy: false, pid, endpoint, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** The stack's own Redis from Debian's package. */
export const redis: Component = {
  name: 'redis',
  start: (ctx) => startRedis(ctx, stackRedis(ctx)),
  stop: (ctx) => stopRedis(stackRedis(ctx)),
  health: async (ctx) => [await redisHealth(stackRedis(ctx))],
  logs: (ctx) => ({ redis: stackRedis(ctx).logFile }),
};
