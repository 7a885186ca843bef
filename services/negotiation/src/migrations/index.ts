import { CreateNegotiationSchema1763700000000 } from './1763700000000-create-schema';
import { CreateNegotiationOutboxInbox1763800000000 } from './1763800000000-outbox-inbox';
import { CreateNegotiationIdentityDirectory1763900000000 } from './1763900000000-identity-directory';
import { CreateNegotiationTables1763900000001 } from './1763900000001-negotiation-tables';
import { SignedNegotiationProposals1764100000000 } from './1764100000000-signed-proposals';
import { NegotiationSessionStates1764200000000 } from './1764200000000-session-states';
import { NegotiationAdmissionJoins1764300000000 } from './1764300000000-admission-joins';
import { NegotiationPeriodGrids1764500000000 } from './1764500000000-period-grids';

/** In the order they run; TypeORM records each by class name in negotiation.migrations. */
export const MIGRATIONS = [
  CreateNegotiationSchema1763700000000,
  CreateNegotiationOutboxInbox1763800000000,
  CreateNegotiationIdentityDirectory1763900000000,
  CreateNegotiationTables1763900000001,
  SignedNegotiationProposals1764100000000,
  NegotiationSessionStates1764200000000,
  NegotiationAdmissionJoins1764300000000,
  NegotiationPeriodGrids1764500000000,
];
