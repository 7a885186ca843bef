import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DependencyIndicators } from './dependency-indicators';

function dataSource(query: () => Promise<unknown>, isInitialized = true): DataSource {
  return { isInitialized, query } as unknown as DataSource;
}
function kafka(describe: () => Promise<unknown>): Kafka {
  const admin = { connect: async () => undefined, describeCluster: describe, disconnect: async () => undefined };
  return { admin: () => admin } as unknown as Kafka;
}
function redis(status: string, ping: () => Promise<string> = async () => 'PONG'): Redis {
  return { status, ping } as unknown as Redis;
}

const up = {
  dataSource: dataSource(async () => [{ '?column?': 1 }]),
  kafka: kafka(async () => ({ clusterId: 'c', controller: 1, brokers: [{}, {}] })),
  redis: redis('ready'),
};

function indicators(overrides: Partial<typeof up> & { noRedis?: boolean } = {}): DependencyIndicators {
  const deps = { ...up, ...overrides };
  return new DependencyIndicators(
    new HealthIndicatorService(),
    deps.dataSource,
    deps.kafka,
    overrides.noRedis ? undefined : deps.redis,
  );
}

describe('DependencyIndicators', () => {
  it('reports every dependency up when it answers', async () => {
    const deps = indicators();
    await expect(deps.postgres()).resolves.toEqual({ postgres: { status: 'up' } });
    await expect(deps.redis()).resolves.toEqual({ redis: { status: 'up' } });
    await expect(deps.kafka()).resolves.toEqual({ kafka: { status: 'up', brokers: 2 } });
  });

  it('reports PostgreSQL down with the driver error, without throwing', async () => {
    const deps = indicators({ dataSource: dataSource(async () => Promise.reject(new Error('Connection terminated'))) });
    await expect(deps.postgres()).resolves.toEqual({ postgres: { status: 'down', message: 'Connection terminated' } });
  });

  it('reports PostgreSQL down when the data source never initialised', async () => {
    const deps = indicators({ dataSource: dataSource(async () => [], false) });
    await expect(deps.postgres()).resolves.toMatchObject({ postgres: { status: 'down' } });
  });

  it('reports Redis down while the client reconnects', async () => {
    const deps = indicators({ redis: redis('reconnecting') });
    await expect(deps.redis()).resolves.toEqual({
      redis: { status: 'down', message: 'redis not connected (client reconnecting)' },
    });
  });

  it('reports Redis down for a service without a Redis connection', async () => {
    await expect(indicators({ noRedis: true }).redis()).resolves.toMatchObject({ redis: { status: 'down' } });
  });

  it('reports Kafka down with the connection error', async () => {
    const deps = indicators({ kafka: kafka(async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'))) });
    await expect(deps.kafka()).resolves.toEqual({
      kafka: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:1' },
    });
  });
});
