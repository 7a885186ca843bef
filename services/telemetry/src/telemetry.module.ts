import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KAFKA, REDIS, SERVICE_CONFIG, ServiceMetrics } from '@datawell/service-platform';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TelemetryGrpc } from './grpc/telemetry.grpc';
import { LIVE_VIEW, LiveViewController } from './live/live-view.controller';
import { Telemetry } from './telemetry';
import type { TelemetryConfig } from './config';

/** Runs telemetry for the life of the Nest application. */
@Injectable()
export class TelemetryRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  readonly telemetry: Telemetry;

  constructor(
    @Inject(SERVICE_CONFIG) config: TelemetryConfig,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(REDIS) redis: Redis,
    @InjectDataSource() dataSource: DataSource,
    metrics: ServiceMetrics,
  ) {
    this.telemetry = new Telemetry({
      dataSource,
      schema: config.postgres.schema,
      kafka,
      redis,
      settings: config.settings,
      logger: new Logger('Telemetry'),
      registry: metrics.registry,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.telemetry.start();
  }

  /** Before Redis and the pool close (their hooks run at shutdown, after this). */
  async onModuleDestroy(): Promise<void> {
    await this.telemetry.stop();
  }
}

@Module({
  controllers: [LiveViewController],
  providers: [TelemetryRuntime, { provide: LIVE_VIEW, inject: [TelemetryRuntime], useFactory: (runtime: TelemetryRuntime) => runtime.telemetry.live }, TelemetryGrpc],
  exports: [TelemetryRuntime],
})
export class TelemetryModule {}
