import { CreateLedgerBridgeSchema1763700000000 } from './1763700000000-create-schema';

/** In the order they run; TypeORM records each by class name in ledger_bridge.migrations. */
export const MIGRATIONS = [CreateLedgerBridgeSchema1763700000000];
