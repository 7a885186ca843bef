import { Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { KAFKA, REDIS, SERVICE_CONFIG, ServiceMetrics } from '@datawell/service-platform';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ComputationsController } from './computations/computations.controller';
import { ComputationsService } from './computations/computations.service';
import { CoordinatorGrpc } from './grpc/coordinator.grpc';
import { MpcCoordinator } from './mpc-coordinator';
import type { MpcCoordinatorConfig } from './config';

/**
 * The coordinator in Nest: its controller and gRPC handlers inject ComputationsService, which the
 * composition root `MpcCoordinator` builds. The root comes from this factory, from the platform's
 * resources (settings, Kafka client, Redis, DataSource, metrics registry); this module starts it once the application has
 * booted and stops it at shutdown.
 */
@Module({
  controllers: [ComputationsController],
  providers: [
    {
      provide: MpcCoordinator,
      inject: [SERVICE_CONFIG, KAFKA, REDIS, getDataSourceToken(), ServiceMetrics],
      useFactory: (config: MpcCoordinatorConfig, kafka: Kafka, redis: Redis, dataSource: DataSource, metrics: ServiceMetrics) =>
        new MpcCoordinator({ dataSource, schema: config.postgres.schema, kafka, redisUrl: config.redis?.url, redis, registry: metrics.registry, settings: config.settings, logger: new Logger('Coordinator') }),
    },
    { provide: ComputationsService, inject: [MpcCoordinator], useFactory: (coordinator: MpcCoordinator) => coordinator.computations },
    CoordinatorGrpc,
  ],
  exports: [MpcCoordinator, CoordinatorGrpc],
})
export class MpcCoordinatorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly coordinator: MpcCoordinator) {}

  onApplicationBootstrap(): void {
    this.coordinator.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.coordinator.stop();
  }
}
