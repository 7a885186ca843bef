import { CreateProvisionerSchema1763700000000 } from './1763700000000-create-schema';

/** In the order they run; TypeORM records each by class name in provisioner.migrations. */
export const MIGRATIONS = [CreateProvisionerSchema1763700000000];
