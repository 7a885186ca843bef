import { Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { KAFKA, REDIS, SERVICE_CONFIG, ServiceMetrics } from '@datawell/service-platform';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TelemetryGrpc } from './grpc/telemetry.grpc';
import { LiveViewController } from './live/live-view.controller';
import { LiveViewService } from './live/live-view.service';
import { Telemetry } from './telemetry';
import type { TelemetryConfig } from './config';

/**
 * Telemetry in Nest: its controller and gRPC handlers inject LiveViewService, which the composition
 * root `Telemetry` builds. The root comes from this factory, from the platform's resources
 * (settings, Kafka client, Redis, DataSource, the metrics registry); this module starts it once the
 * application has booted and stops it when the modules are destroyed, before Redis and the pool
 * close (their hooks run at shutdown, after this).
 */
@Module({
  controllers: [LiveViewController],
  providers: [
    {
      provide: Telemetry,
      inject: [SERVICE_CONFIG, KAFKA, REDIS, getDataSourceToken(), ServiceMetrics],
      useFactory: (config: TelemetryConfig, kafka: Kafka, redis: Redis, dataSource: DataSource, metrics: ServiceMetrics) =>
        new Telemetry({ dataSource, schema: config.postgres.schema, kafka, redis, settings: config.settings, logger: new Logger('Telemetry'), registry: metrics.registry }),
    },
    { provide: LiveViewService, inject: [Telemetry], useFactory: (telemetry: Telemetry) => telemetry.live },
    TelemetryGrpc,
  ],
  exports: [Telemetry, TelemetryGrpc],
})
export class TelemetryModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(private readonly telemetry: Telemetry) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.telemetry.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.telemetry.stop();
  }
}
