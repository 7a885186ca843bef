import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@datawell/auth';
import { ServicePlatformModule } from '@datawell/service-platform';
import { NEGOTIATION_GRPC, NegotiationGrpc } from './grpc/negotiation.grpc';
import { MIGRATIONS } from './migrations';
import { NegotiationRuntime } from './negotiation.runtime';
import { SessionsController, SuggestionsController } from './sessions/sessions.controller';
import type { NegotiationConfig } from './config';

@Module({})
export class AppModule {
  static forConfig(config: NegotiationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: NEGOTIATION_GRPC }), AuthModule.forRoot()],
      controllers: [SessionsController, SuggestionsController],
      providers: [NegotiationRuntime, NegotiationGrpc],
    };
  }
}
