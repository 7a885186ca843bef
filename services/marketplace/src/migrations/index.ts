import { CreateMarketplaceSchema1763700000000 } from './1763700000000-create-schema';
import { CreateMarketplaceOutboxInbox1763900000000 } from './1763900000000-outbox-inbox';
import { CreateMarketplaceIdentityDirectory1763900000001 } from './1763900000001-identity-directory';
import { CreateMarketplaceTables1763900000002 } from './1763900000002-read-models';
import { CreateMarketplaceDaoDirectory1763900000003 } from './1763900000003-dao-directory';
import { CreateMarketplaceCommands1763900000004 } from './1763900000004-commands';
import { AddMarketplaceReputationSanctions1763900000005 } from './1763900000005-reputation-sanctions';
import { AddMarketplaceAdmissions1763900000006 } from './1763900000006-admissions';

/** In the order they run; TypeORM records each by class name in marketplace.migrations. */
export const MIGRATIONS = [
  CreateMarketplaceSchema1763700000000,
  CreateMarketplaceOutboxInbox1763900000000,
  CreateMarketplaceIdentityDirectory1763900000001,
  CreateMarketplaceTables1763900000002,
  CreateMarketplaceDaoDirectory1763900000003,
  CreateMarketplaceCommands1763900000004,
  AddMarketplaceReputationSanctions1763900000005,
  AddMarketplaceAdmissions1763900000006,
];
