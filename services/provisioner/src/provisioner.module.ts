import { Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { KAFKA, SERVICE_CONFIG } from '@datawell/service-platform';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ProvisionerGrpc } from './grpc/provisioner.grpc';
import { Provisioner } from './provisioner';
import { ProvisioningController } from './provisioning/provisioning.controller';
import { ProvisioningView } from './provisioning/provisioning-view.service';
import type { ProvisionerConfig } from './config';

/**
 * The provisioner in Nest: its controller and gRPC handlers inject ProvisioningView, which the
 * composition root `Provisioner` builds. The root comes from this factory, from the platform's
 * resources (settings, Kafka client, DataSource); this module starts it once the application has
 * booted and stops it at shutdown.
 */
@Module({
  controllers: [ProvisioningController],
  providers: [
    {
      provide: Provisioner,
      inject: [SERVICE_CONFIG, KAFKA, getDataSourceToken()],
      useFactory: (config: ProvisionerConfig, kafka: Kafka, dataSource: DataSource) => new Provisioner({ config, dataSource, kafka, logger: new Logger('Provisioner') }),
    },
    { provide: ProvisioningView, inject: [Provisioner], useFactory: (provisioner: Provisioner) => provisioner.view },
    ProvisionerGrpc,
  ],
  exports: [Provisioner, ProvisionerGrpc],
})
export class ProvisionerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly provisioner: Provisioner) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.provisioner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.provisioner.stop();
  }
}
