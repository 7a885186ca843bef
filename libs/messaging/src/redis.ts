import type { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { ConnectionLogger } from './logger';
import { withTimeout } from './timeout';

export interface RedisClientOptions {
  readonly url: string;
  /** Shown by CLIENT LIST, so operators can tell the services' connections apart. */
  readonly connectionName: string;
  readonly logger?: ConnectionLogger;
}

/** How long a client waits before its next attempt to reach Redis: 200 ms more each time, at most 2 s. */
const reconnectDelay = (attempt: number): number => Math.min(attempt * 200, 2000);

/**
 * An ioredis client fit for BullMQ (`maxRetriesPerRequest: null`) that connects on `connect()`, not
 * on construction, and keeps reconnecting while Redis is away. Connection errors are logged once
 * per distinct error until the connection is ready again, not on every retry.
 */
export function createRedis(options: RedisClientOptions): Redis {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectionName: options.connectionName,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelay,
  });
  let lastError: string | undefined;
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger?.warn({ message: 'redis connection error', error: error.message });
  });
  redis.on('ready', () => {
    if (lastError !== undefined) options.logger?.log({ message: 'redis connection ready' });
    lastError = undefined;
  });
  return redis;
}

/**
 * A BullMQ queue's or worker's connection: options, so that BullMQ makes, owns and closes its clients
 * (`maxRetriesPerRequest: null`, as BullMQ requires), retrying as createRedis's do (BullMQ's own
 * default waits up to 20 s). Their connection errors reach the queue's and the worker's 'error'
 * listeners. Pass the queue or worker to quietAfterClose too.
 */
export function bullConnection(url: string): { readonly url: string; readonly maxRetriesPerRequest: null; readonly retryStrategy: (attempt: number) => number } {
  return { url, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
}

/**
 * Keeps a BullMQ queue's or worker's connections from throwing an error no one can hear once they are
 * closed (BullMQ 5, taskforcesh/bullmq#3546): a connection's close removes all its listeners while
 * its start may still be pending (Redis away, an attempt in flight), and when that start then fails
 * the connection emits 'error' with no listener, which throws inside a promise callback: an unhandled
 * rejection (`connect ECONNREFUSED`) that fails a test, or a process run with strict rejections.
 * Until then every connection has BullMQ's own forwarding listener, so nothing else is dropped.
 * `target` is the Queue or Worker (its protected `connection`, and a worker's `blockingConnection`).
 */
export function quietAfterClose<T extends object>(target: T): T {
  const { connection, blockingConnection } = target as unknown as { connection?: EventEmitter; blockingConnection?: EventEmitter };
  for (const c of [connection, blockingConnection]) {
    if (!c) continue;
    const emit = c.emit.bind(c);
    c.emit = (event: string | symbol, ...args: unknown[]) => (event === 'error' && c.listenerCount('error') === 0 ? false : emit(event, ...args));
  }
  return target;
}

/** The part of an ioredis client the health check uses. */
export interface RedisLike {
  readonly status: string;
  ping(): Promise<string>;
}

/** Pings Redis; rejects when the client is not connected or Redis does not answer in time. */
export async function checkRedis(redis: RedisLike, timeoutMs = 2000): Promise<{ readonly pong: string }> {
  // Commands on a client that is not ready wait in the offline queue; a health check must not wait.
  if (redis.status !== 'ready') throw new Error(`redis not connected (client ${redis.status})`);
  return { pong: await withTimeout(redis.ping(), timeoutMs, 'redis PING') };
}

/** Closes the client: QUIT when connected, otherwise stops reconnecting at once. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
