import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { StackError } from '../errors';
import { redisServerBinary } from '../install/debian';
import { isAlive, readPid, startDaemon, stopDaemon, waitForDaemon } from '../proc';
import type { Component, ComponentHealth, StackContext } from './component';

function dirs(ctx: StackContext) {
  return { data: join(ctx.settings.stackDir, 'redis'), log: join(ctx.settings.stackDir, 'logs', 'redis.log'), pid: join(ctx.settings.stackDir, 'run', 'redis.pid') };
}

async function ping(ctx: StackContext): Promise<string> {
  const client = new Redis({ host: '127.0.0.1', port: ctx.settings.ports.redis, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

/** A project-local Redis from Debian's package, with append-only persistence (BullMQ needs durability). */
export const redis: Component = {
  name: 'redis',
  async start(ctx) {
    const bin = redisServerBinary();
    if (!bin) throw new StackError('NOT_INSTALLED', 'Redis is not installed: run ./dev stack install', 'redis');
    const d = dirs(ctx);
    if (isAlive(readPid(d.pid))) return;
    mkdirSync(d.data, { recursive: true });
    ctx.progress.step('redis', `starting on 127.0.0.1:${ctx.settings.ports.redis}`);
    startDaemon({
      name: 'redis',
      cmd: bin,
      args: ['--port', String(ctx.settings.ports.redis), '--bind', '127.0.0.1', '--dir', d.data, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--maxmemory-policy', 'noeviction'],
      logFile: d.log,
      pidFile: d.pid,
    });
    await waitForDaemon('Redis', { pidFile: d.pid, logFile: d.log }, async () => (await ping(ctx)).length > 0, 30000, 'redis');
  },
  async stop(ctx) {
    await stopDaemon(dirs(ctx).pid);
  },
  async health(ctx): Promise<ComponentHealth[]> {
    const pid = readPid(dirs(ctx).pid);
    const endpoint = `127.0.0.1:${ctx.settings.ports.redis}`;
    if (!isAlive(pid)) return [{ name: 'redis', healthy: false, endpoint, detail: 'not running' }];
    try {
      return [{ name: 'redis', healthy: true, pid, endpoint, detail: `Redis ${await ping(ctx)}` }];
    } catch (e) {
      return [{ name: 'redis', healthy: false, pid, endpoint, detail: e instanceof Error ? e.message : String(e) }];
    }
  },
  logs: (ctx) => ({ redis: dirs(ctx).log }),
};
