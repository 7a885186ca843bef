import { Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { IdentityDirectory } from '@datawell/auth';
import { KAFKA, SERVICE_CONFIG } from '@datawell/service-platform';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { NegotiationGrpc } from './grpc/negotiation.grpc';
import { Negotiation } from './negotiation';
import { SessionsController, SuggestionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { SessionChanges } from './sessions/session-changes';
import { SessionLiveController } from './sessions/session-live.controller';
import { SuggestionsService } from './suggestions/suggestions.service';
import type { NegotiationConfig } from './config';

/**
 * The negotiation service in Nest: its controllers and gRPC handlers inject the feature services
 * (SessionsService, SuggestionsService), which the composition root `Negotiation` builds. The root
 * comes from this factory, from the platform's resources (settings, Kafka client, DataSource,
 * identity directory); this module starts it once the application has booted and stops it at
 * shutdown.
 */
@Module({
  controllers: [SessionsController, SessionLiveController, SuggestionsController],
  providers: [
    {
      provide: Negotiation,
      inject: [SERVICE_CONFIG, KAFKA, getDataSourceToken(), IdentityDirectory],
      useFactory: (config: NegotiationConfig, kafka: Kafka, dataSource: DataSource, directory: IdentityDirectory) =>
        new Negotiation({ dataSource, schema: config.postgres.schema, kafka, settings: config.settings, directory, logger: new Logger('Negotiation') }),
    },
    { provide: SessionsService, inject: [Negotiation], useFactory: (negotiation: Negotiation) => negotiation.sessions },
    { provide: SuggestionsService, inject: [Negotiation], useFactory: (negotiation: Negotiation) => negotiation.suggestions },
    { provide: SessionChanges, inject: [Negotiation], useFactory: (negotiation: Negotiation) => negotiation.changes },
    NegotiationGrpc,
  ],
  exports: [Negotiation, NegotiationGrpc],
})
export class NegotiationModule implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(private readonly negotiation: Negotiation) {}

  onApplicationBootstrap(): void {
    this.negotiation.start();
  }

  /**
   * The live streams end first: Nest closes the HTTP server (waiting for open connections) before the
   * shutdown hooks, and an open session stream would hold it forever.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.negotiation.changes.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.negotiation.stop();
  }
}
