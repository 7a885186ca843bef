import { Redis } from 'ioredis';
import type { ConnectionLogger } from './logger';
import { withTimeout } from './timeout';

export interface RedisClientOptions {
  readonly url: string;
  /** Shown by CLIENT LIST, so operators can tell the services' connections apart. */
  readonly connectionName: string;
  readonly logger?: ConnectionLogger;
}

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
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
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
