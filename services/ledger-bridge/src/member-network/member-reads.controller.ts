import { Controller, Get, Inject, Module, Param, type DynamicModule } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, forbidden, type Principal } from '@datawell/auth';
import { DAO, DAO_ID_PATTERN } from '@datawell/contracts';
import { ZodParams } from '@datawell/service-platform';
import { z } from 'zod';
import { readDaoVersion, type MemberReads } from '../admin/dao-reads';
import type { LedgerBridgeServiceConfig } from '../config';
import { LedgerBridgeModule, LedgerBridgeRuntime } from '../ledger-bridge.module';

export const MEMBER_READS = Symbol('MEMBER_READS');

/**
 * A member domain's own view of its DAOs, served by its member-mode bridge to its own people: a
 * version's state and entitlements, read through the member's own peer with the member's identity.
 * Only identities of this organisation are answered; the operator's services never see this data.
 */
@ApiTags('member')
@Controller('daos')
export class MemberReadsController {
  constructor(@Inject(MEMBER_READS) private readonly reads: MemberReads) {}

  @Get(':daoId/versions/:version/:what')
  @Authenticated()
  @ApiOperation({ summary: "A DAO version's state or entitlements, read through this member's own peer: for this organisation's identities only (FORBIDDEN to others; VERSION_NOT_FOUND where it is not a member)" })
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), version: z.string().regex(/^[1-9]\d{0,3}$/), what: z.enum(['state', 'entitlements']) })
  async read(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('what') what: string): Promise<unknown> {
    if (principal.mspId !== this.reads.mspId) throw forbidden(`this is ${this.reads.mspId}'s bridge: ${principal.mspId} reads its DAOs at its own`);
    return readDaoVersion(this.reads.evaluate, daoId, Number(version), what === 'state' ? DAO.tx.GetVersion : DAO.tx.GetEntitlements, this.reads.mspId);
  }
}

/** Present when the bridge is a member's (LEDGER_BRIDGE_MEMBER_MSP_ID with a peer and a wallet); absent otherwise. */
@Module({})
export class MemberReadsModule {
  static forConfig(config: LedgerBridgeServiceConfig): DynamicModule {
    if (!config.settings.member || !config.settings.fabric || !config.settings.walletDir) return { module: MemberReadsModule };
    return {
      module: MemberReadsModule,
      imports: [LedgerBridgeModule],
      controllers: [MemberReadsController],
      providers: [
        {
          provide: MEMBER_READS,
          inject: [LedgerBridgeRuntime],
          useFactory: (runtime: LedgerBridgeRuntime): MemberReads => {
            const reads = runtime.bridge.memberReads;
            if (!reads) throw new Error("the ledger bridge was configured as a member's but reads as none");
            return reads;
          },
        },
      ],
    };
  }
}
