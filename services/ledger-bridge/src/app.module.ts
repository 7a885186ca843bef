import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule, type AuthOptions } from '@datawell/auth';
import { memberTopicPrefix } from '@datawell/contracts';
import { ServicePlatformModule } from '@datawell/service-platform';
import { AdminModule } from './admin/admin.module';
import { ledgerBridgeGrpc } from './grpc/ledger-bridge.grpc';
import { LedgerBridgeModule } from './ledger-bridge.module';
import { MemberDaoModule } from './member-network/member-dao.module';
import { MIGRATIONS } from './migrations';
import type { LedgerBridgeServiceConfig } from './config';

/**
 * A member's bridge learns participants from its own events topic (the marketplace events its own
 * peer relays), under its own consumer group prefix: its Kafka principal reads nothing else.
 */
function authOptions(config: LedgerBridgeServiceConfig): AuthOptions {
  const member = config.settings.member;
  return member ? { directory: { topic: config.settings.topics.events, groupId: `${memberTopicPrefix(member.mspId)}ledger-bridge.identity-directory` } } : {};
}

@Module({})
export class AppModule {
  static forConfig(config: LedgerBridgeServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, sharedTopics: config.settings.member === undefined, grpc: ledgerBridgeGrpc(config) }), AuthModule.forRoot(authOptions(config)), LedgerBridgeModule, AdminModule.forConfig(config), MemberDaoModule.forConfig(config)],
    };
  }
}
