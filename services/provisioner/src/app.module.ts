import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule, type AuthOptions } from '@datawell/auth';
import { memberTopicPrefix } from '@datawell/contracts';
import { ServicePlatformModule } from '@datawell/service-platform';
import { PROVISIONER_GRPC } from './grpc/provisioner.grpc';
import { MIGRATIONS } from './migrations';
import { ProvisionerModule } from './provisioner.module';
import type { ProvisionerConfig } from './config';

/**
 * A member's provisioner learns participants from its member's own events topic (the marketplace
 * events the member's bridge relays), under the member's group prefix, and leaves the shared topics
 * alone: its Kafka principal may read nothing else.
 */
function authOptions(config: ProvisionerConfig): AuthOptions {
  const member = config.settings.member;
  return member ? { directory: { topic: config.settings.topics.ledgerEvents, groupId: `${memberTopicPrefix(member.mspId)}provisioner.identity-directory` } } : {};
}

/** The platform's wiring (settings, PostgreSQL and migrations, Redis, Kafka, health, metrics, OpenAPI, gRPC, auth) around the provisioner's module. */
@Module({})
export class AppModule {
  static forConfig(config: ProvisionerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, grpc: PROVISIONER_GRPC, sharedTopics: config.settings.member === undefined }), AuthModule.forRoot(authOptions(config)), ProvisionerModule],
    };
  }
}
