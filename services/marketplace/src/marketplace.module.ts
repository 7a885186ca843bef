import { Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { KAFKA, SERVICE_CONFIG } from '@datawell/service-platform';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { CommandsController } from './commands/commands.controller';
import { CommandsService } from './commands/commands.service';
import { DaosController } from './daos/daos.controller';
import { DaosService } from './daos/daos.service';
import { AbandonmentsController, FeedbackController } from './feedback/feedback.controller';
import { FeedbackService } from './feedback/feedback.service';
import { MarketplaceGrpc } from './grpc/marketplace.grpc';
import { Marketplace } from './marketplace';
import { OffersController } from './offers/offers.controller';
import { OffersService } from './offers/offers.service';
import { AdmissionsController } from './participants/admissions.controller';
import { ParticipantsController } from './participants/participants.controller';
import { ParticipantsService } from './participants/participants.service';
import type { MarketplaceConfig } from './config';

/**
 * The marketplace in Nest: one controller per feature, each injecting its feature's service, which
 * the composition root `Marketplace` builds. The root comes from this factory, from the platform's
 * resources (settings, Kafka client, DataSource); this module starts it once the application has
 * booted and stops it at shutdown.
 */
@Module({
  controllers: [ParticipantsController, AdmissionsController, OffersController, FeedbackController, AbandonmentsController, DaosController, CommandsController],
  providers: [
    {
      provide: Marketplace,
      inject: [SERVICE_CONFIG, KAFKA, getDataSourceToken()],
      useFactory: (config: MarketplaceConfig, kafka: Kafka, dataSource: DataSource) =>
        new Marketplace({ dataSource, schema: config.postgres.schema, kafka, settings: config.settings, logger: new Logger('MarketplaceEvents') }),
    },
    { provide: ParticipantsService, inject: [Marketplace], useFactory: (marketplace: Marketplace) => marketplace.participants },
    { provide: OffersService, inject: [Marketplace], useFactory: (marketplace: Marketplace) => marketplace.offers },
    { provide: FeedbackService, inject: [Marketplace], useFactory: (marketplace: Marketplace) => marketplace.feedback },
    { provide: DaosService, inject: [Marketplace], useFactory: (marketplace: Marketplace) => marketplace.daos },
    { provide: CommandsService, inject: [Marketplace], useFactory: (marketplace: Marketplace) => marketplace.commands },
    MarketplaceGrpc,
  ],
  exports: [Marketplace, MarketplaceGrpc],
})
export class MarketplaceModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly marketplace: Marketplace) {}

  onApplicationBootstrap(): void {
    this.marketplace.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.marketplace.stop();
  }
}
