import { CreateProvisionerSchema1763700000000 } from './1763700000000-create-schema';
import { ProvisionerOutboxInbox1763900000000 } from './1763900000000-outbox-inbox';
import { ProvisioningTables1763900000001 } from './1763900000001-provisioning-tables';
import { CreateProvisionerIdentityDirectory1763900000002 } from './1763900000002-identity-directory';

/** In the order they run; TypeORM records each by class name in provisioner.migrations. */
export const MIGRATIONS = [CreateProvisionerSchema1763700000000, ProvisionerOutboxInbox1763900000000, ProvisioningTables1763900000001, CreateProvisionerIdentityDirectory1763900000002];
