import {
  Inject,
  Injectable,
  Logger,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TOPICS } from '@datawell/contracts';
import { closeRedis, createKafka, createRedis, ensureTopics, withTimeout } from '@datawell/messaging';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { MigrationInterface } from 'typeorm';
import type { ServiceConfig } from '@datawell/config';
import { dataSourceOptions, openDataSource } from './database';
import { DependencyIndicators } from './dependency-indicators';
import { PlatformErrorFilter } from './errors.filter';
import { GRPC_OPTIONS, GrpcServer, type GrpcServiceOptions } from './grpc';
import { HealthController } from './health.controller';
import { HttpMetricsInterceptor, MetricsController, ServiceMetrics } from './metrics';
import { KAFKA, KAFKA_PROBE, REDIS, SERVICE_CONFIG } from './tokens';

export interface ServicePlatformOptions {
  /** The service's TypeORM migrations, the first one creating its schema. */
  readonly migrations: ReadonlyArray<new () => MigrationInterface>;
  /** The service's gRPC API, served on its gRPC port. */
  readonly grpc?: GrpcServiceOptions;
  /**
   * Whether the service makes sure the shared topics between the operator's services exist (default
   * true). A member domain's service runs as the member's Kafka principal, which may create and read
   * only its own topics: it leaves the shared ones to the operator's services.
   */
  readonly sharedTopics?: boolean;
}

/**
 * Opens Redis at boot without making boot depend on it (/health reports it until it is back), and
 * closes it on shutdown. TypeORM closes its own pool.
 */
@Injectable()
export class ConnectionsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #logger = new Logger('Lifecycle');

  constructor(@Optional() @Inject(REDIS) private readonly redis?: Redis) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) return;
    try {
      await withTimeout(this.redis.connect(), 3000, 'redis connect');
      this.#logger.log({ message: 'redis connected' });
    } catch (error) {
      this.#logger.warn({ message: 'redis not reachable at boot; retrying in the background', error: String(error) });
    }
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    this.#logger.log({ message: 'shutting down', signal: signal ?? null });
    if (this.redis) await closeRedis(this.redis);
  }
}

/**
 * The broker creates no topic on first use: every service makes sure the topics between services
 * exist (in the background, retrying while Kafka is away), so no first publish or read fails.
 */
@Injectable()
export class TopicsBootstrap implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #logger = new Logger('Topics');
  #stopped = false;

  constructor(@Inject(KAFKA) private readonly kafka: Kafka) {}

  onApplicationBootstrap(): void {
    void this.#ensure();
  }

  onApplicationShutdown(): void {
    this.#stopped = true;
  }

  async #ensure(): Promise<void> {
    for (let backoff = 500; !this.#stopped; backoff = Math.min(backoff * 2, 30_000)) {
      try {
        await ensureTopics(this.kafka, Object.values(TOPICS));
        return;
      } catch (error) {
        this.#logger.warn({ message: 'could not ensure the Kafka topics; retrying', error: String(error), backoffMs: backoff });
        await new Promise((r) => setTimeout(r, backoff).unref());
      }
    }
  }
}

/**
 * What every Datawell service runs on: its config, its PostgreSQL schema (migrated at boot), Kafka,
 * Redis for the services that queue jobs, `GET /health` over the dependencies of its registry
 * entry, `GET /metrics` (Prometheus), `{code, message}` error bodies, and its gRPC API if it has one.
 */
@Module({})
export class ServicePlatformModule {
  static forRoot(config: ServiceConfig, options: ServicePlatformOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: config },
      {
        provide: KAFKA,
        useFactory: () =>
          createKafka({ clientId: config.kafka.clientId, brokers: config.kafka.brokers, sasl: config.kafka.sasl, logger: new Logger('Kafka'), ...(config.kafka.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: config.kafka.sessionTimeoutMs }), ...(config.kafka.trafficKey ? { trafficKeys: [config.kafka.trafficKey, ...(config.kafka.previousTrafficKeys ?? [])] } : {}) }),
      },
      {
        provide: KAFKA_PROBE,
        useFactory: () => createKafka({ clientId: `${config.kafka.clientId}-health`, brokers: config.kafka.brokers, sasl: config.kafka.sasl, retries: 0 }),
      },
      DependencyIndicators,
      ConnectionsLifecycle,
      ...(options.sharedTopics === false ? [] : [TopicsBootstrap]),
      ServiceMetrics,
      { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
      { provide: APP_FILTER, useClass: PlatformErrorFilter },
      ...(options.grpc ? [{ provide: GRPC_OPTIONS, useValue: options.grpc }, GrpcServer] : []),
    ];
    const redis = config.redis;
    if (redis) {
      providers.push({
        provide: REDIS,
        useFactory: () =>
          createRedis({ url: redis.url, connectionName: config.kafka.clientId, logger: new Logger('Redis') }),
      });
    }
    return {
      module: ServicePlatformModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(config.service, config.postgres, options.migrations),
            retryAttempts: 5,
            retryDelay: 2000,
          }),
          dataSourceFactory: async (dataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('no data source options');
            return openDataSource(dataSourceOptions);
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers,
      exports: [SERVICE_CONFIG, KAFKA, ...(redis ? [REDIS] : []), DependencyIndicators, TerminusModule, ServiceMetrics, ...(options.grpc ? [GrpcServer] : [])],
    };
  }
}
