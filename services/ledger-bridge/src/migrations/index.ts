import { CreateLedgerBridgeSchema1763700000000 } from './1763700000000-create-schema';
import { CreateLedgerBridgeOutboxInbox1763800000000 } from './1763800000000-outbox-inbox';
import { CreateLedgerBridgeTables1763800000001 } from './1763800000001-ledger-tables';
import { CreateLedgerBridgeIdentityDirectory1763800000002 } from './1763800000002-identity-directory';
import { LedgerBridgeChannelLeft1763800000003 } from './1763800000003-channel-left';
import { LedgerBridgeComputationResults1763800000004 } from './1763800000004-computation-results';

/** In the order they run; TypeORM records each by class name in ledger_bridge.migrations. */
export const MIGRATIONS = [
  CreateLedgerBridgeSchema1763700000000,
  CreateLedgerBridgeOutboxInbox1763800000000,
  CreateLedgerBridgeTables1763800000001,
  CreateLedgerBridgeIdentityDirectory1763800000002,
  LedgerBridgeChannelLeft1763800000003,
  LedgerBridgeComputationResults1763800000004,
];
