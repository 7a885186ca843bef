import { Module, type DynamicModule } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { MemberLedger } from '../admin/member-dao';
import type { LedgerBridgeServiceConfig } from '../config';
import { LedgerBridgeGrpc } from '../grpc/ledger-bridge.grpc';
import { LedgerBridge } from '../ledger-bridge';
import { LedgerBridgeModule } from '../ledger-bridge.module';
import { MEMBER_ADMISSION_JOINS, MEMBER_COLLECTIONS, MEMBER_CONFIG_SIGNATURES, MEMBER_LEDGER, MemberDaoController } from './member-dao.controller';
import { MEMBER_RESULTS, MemberResultsController } from './computation-results.controller';
import { ComputationResultsRepository } from './computation-results.repository';
import { MemberFeedbackController } from './member-feedback.controller';
import { MemberOffersController } from './member-offers.controller';
import { MemberUsageController, MemberUsageRecordsController } from './member-usage.controller';
import { LiveController, MEMBER_LIVE, type LiveSource } from '../live/live.controller';

/** Present when the bridge is a member's (LEDGER_BRIDGE_MEMBER_MSP_ID with a peer and a wallet); absent otherwise. */
@Module({})
export class MemberDaoModule {
  static forConfig(config: LedgerBridgeServiceConfig): DynamicModule {
    if (!config.settings.member || !config.settings.fabric || !config.settings.walletDir) return { module: MemberDaoModule };
    return {
      module: MemberDaoModule,
      imports: [LedgerBridgeModule],
      // MemberResultsController before MemberDaoController: Express matches in declaration order, and
      // the latter's GET :daoId/versions/:version/:what would take …/computations.
      controllers: [MemberResultsController, MemberUsageRecordsController, MemberDaoController, MemberUsageController, MemberFeedbackController, MemberOffersController, LiveController],
      providers: [
        {
          provide: MEMBER_LEDGER,
          inject: [LedgerBridge],
          useFactory: (bridge: LedgerBridge): MemberLedger => {
            const ledger = bridge.memberLedger;
            if (!ledger) throw new Error("the ledger bridge was configured as a member's but has no ledger of its own");
            return ledger;
          },
        },
        { provide: MEMBER_LIVE, inject: [MEMBER_LEDGER, LedgerBridge], useFactory: (ledger: MemberLedger, bridge: LedgerBridge): LiveSource => ({ mspId: ledger.mspId, channels: () => ledger.channels(), events: bridge.live }) },
        { provide: MEMBER_RESULTS, inject: [getDataSourceToken()], useFactory: (dataSource: DataSource) => new ComputationResultsRepository(dataSource, config.postgres.schema) },
        { provide: MEMBER_ADMISSION_JOINS, inject: [LedgerBridge], useFactory: (bridge: LedgerBridge) => bridge.admissionJoins ?? null },
        { provide: MEMBER_CONFIG_SIGNATURES, inject: [LedgerBridge], useFactory: (bridge: LedgerBridge) => bridge.configSignatures ?? null },
        { provide: MEMBER_COLLECTIONS, inject: [LedgerBridge], useFactory: (bridge: LedgerBridge) => bridge.collectionRedefinitions ?? null },
        // The handlers of its gRPC API (served by the platform when ledgerBridgeGrpc(config) says so: the same condition as this module's).
        LedgerBridgeGrpc,
      ],
    };
  }
}
