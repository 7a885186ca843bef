import { CreateNegotiationSchema1763700000000 } from './1763700000000-create-schema';

/** In the order they run; TypeORM records each by class name in negotiation.migrations. */
export const MIGRATIONS = [CreateNegotiationSchema1763700000000];
