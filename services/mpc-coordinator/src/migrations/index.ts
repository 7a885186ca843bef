import { CreateMpcCoordinatorSchema1763700000000 } from './1763700000000-create-schema';
import { CreateMpcCoordinatorOutboxInbox1764000000000 } from './1764000000000-outbox-inbox';
import { CreateMpcCoordinatorIdentityDirectory1764000000001 } from './1764000000001-identity-directory';
import { CreateCoordinatorTables1764000000002 } from './1764000000002-coordinator-tables';
import { LedgerRegisteredNodes1764000000003 } from './1764000000003-ledger-nodes';
import { CoordinatorSubscriptions1764400000000 } from './1764400000000-subscriptions';
import { ComputationRequesterEnrollment1764500000000 } from './1764500000000-requester-enrollment';
import { CoordinatorMeteringTerms1764600000001 } from './1764600000001-metering-terms';
import { CoordinatorNodePins1764900000000 } from './1764900000000-node-pins';
import { CoordinatorPublicVersions1765000000000 } from './1765000000000-public-versions';
import { ComputationSignedRequests1765100000000 } from './1765100000000-signed-requests';
import { CoordinatorCustodyRemoved1765200000000 } from './1765200000000-custody-removed';
import { CoordinatorDirectoryOnly1765300000000 } from './1765300000000-directory-only';

/** In the order they run; TypeORM records each by class name in mpc_coordinator.migrations. */
export const MIGRATIONS = [
  CreateMpcCoordinatorSchema1763700000000,
  CreateMpcCoordinatorOutboxInbox1764000000000,
  CreateMpcCoordinatorIdentityDirectory1764000000001,
  CreateCoordinatorTables1764000000002,
  LedgerRegisteredNodes1764000000003,
  CoordinatorSubscriptions1764400000000,
  ComputationRequesterEnrollment1764500000000,
  CoordinatorMeteringTerms1764600000001,
  CoordinatorNodePins1764900000000,
  CoordinatorPublicVersions1765000000000,
  ComputationSignedRequests1765100000000,
  CoordinatorCustodyRemoved1765200000000,
  CoordinatorDirectoryOnly1765300000000,
];
