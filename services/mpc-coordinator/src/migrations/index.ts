import { CreateMpcCoordinatorSchema1763700000000 } from './1763700000000-create-schema';

/** In the order they run; TypeORM records each by class name in mpc_coordinator.migrations. */
export const MIGRATIONS = [CreateMpcCoordinatorSchema1763700000000];
