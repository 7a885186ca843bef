import { Logger, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { defineService, loadServiceConfig as load, type Environment } from '@datawell/config';
import { SERVICES, type ServiceName } from '@datawell/contracts';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics';
import { ConnectionsLifecycle, ServicePlatformModule } from './service-platform.module';
import { KAFKA, KAFKA_PROBE, REDIS, SERVICE_CONFIG } from './tokens';

const env = {
  DATAWELL_POSTGRES_URL: 'postgres://u:p@db:5432/d',
  DATAWELL_REDIS_URL: 'redis://redis:6379',
  DATAWELL_KAFKA_BROKERS: 'kafka:9092',
};
/** A service's common configuration (its own settings play no part here). */
const loadServiceConfig = (service: ServiceName, environment: Environment) => load(defineService(SERVICES[service]), environment);
const tokens = (providers: Provider[] = []) =>
  providers.map((p) => (typeof p === 'function' ? p : (p as { provide: unknown }).provide));

describe('ServicePlatformModule.forRoot', () => {
  it('gives a service with queues its config, Kafka, a Kafka probe and Redis, globally', () => {
    const config = loadServiceConfig('telemetry', env);
    const module = ServicePlatformModule.forRoot(config, { migrations: [] });
    expect(module.global).toBe(true);
    expect(tokens(module.providers)).toEqual(expect.arrayContaining([SERVICE_CONFIG, KAFKA, KAFKA_PROBE, REDIS]));
    expect(module.exports).toEqual(expect.arrayContaining([SERVICE_CONFIG, KAFKA, REDIS]));
    const configProvider = module.providers?.find((p) => (p as { provide?: unknown }).provide === SERVICE_CONFIG);
    expect((configProvider as { useValue: unknown }).useValue).toBe(config);
  });

  it('serves GET /health and GET /metrics itself, so services declare neither', () => {
    const module = ServicePlatformModule.forRoot(loadServiceConfig('marketplace', env), { migrations: [] });
    expect(module.controllers).toEqual([HealthController, MetricsController]);
  });

  it('opens no Redis connection for a service without queues', () => {
    const module = ServicePlatformModule.forRoot(loadServiceConfig('negotiation', env), { migrations: [] });
    expect(tokens(module.providers)).not.toContain(REDIS);
    expect(module.exports).not.toContain(REDIS);
  });
});

describe('ConnectionsLifecycle', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('does not fail boot when Redis is unreachable, and says so', async () => {
    const redis = { connect: jest.fn(async () => Promise.reject(new Error('ECONNREFUSED'))) };
    await expect(new ConnectionsLifecycle(redis as unknown as Redis).onApplicationBootstrap()).resolves.toBeUndefined();
    expect(redis.connect).toHaveBeenCalled();
    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.objectContaining({ error: 'Error: ECONNREFUSED' }));
  });

  it('closes Redis on shutdown: QUIT when connected, disconnect otherwise', async () => {
    const ready = { status: 'ready', quit: jest.fn(async () => 'OK'), disconnect: jest.fn() };
    await new ConnectionsLifecycle(ready as unknown as Redis).onApplicationShutdown('SIGTERM');
    expect(ready.quit).toHaveBeenCalled();
    const away = { status: 'reconnecting', quit: jest.fn(), disconnect: jest.fn() };
    await new ConnectionsLifecycle(away as unknown as Redis).onApplicationShutdown();
    expect(away.disconnect).toHaveBeenCalled();
    expect(away.quit).not.toHaveBeenCalled();
  });

  it('has nothing to open or close for a service without Redis', async () => {
    const lifecycle = new ConnectionsLifecycle(undefined);
    await expect(lifecycle.onApplicationBootstrap()).resolves.toBeUndefined();
    await expect(lifecycle.onApplicationShutdown()).resolves.toBeUndefined();
  });
});
