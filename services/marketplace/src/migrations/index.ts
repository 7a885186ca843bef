import { CreateMarketplaceSchema1763700000000 } from './1763700000000-create-schema';

/** In the order they run; TypeORM records each by class name in marketplace.migrations. */
export const MIGRATIONS = [CreateMarketplaceSchema1763700000000];
