import { z } from 'zod';
import { revenueRecordersOf } from '@datawell/domain';
import { forbidden, MarketplaceError } from '../errors';

/** A member of the top version as the read model keeps it. */
export interface RecorderCandidate {
  readonly mspId: string;
  readonly group: string;
  readonly status: string;
}

/** The one field of the stored terms the rule reads (the rest of the terms is the chaincode's to check). */
const storedRecorders = z.looseObject({ revenueRecorders: z.array(z.string()).optional() });

/**
 * Whether `mspId` may record revenue on the top version, by the dao chaincode's own rule
 * (RecordRevenue): an active member of the version (else FORBIDDEN), and one the terms name in
 * `revenueRecorders` or, when they name none, a member of the founding group D
 * (`revenueRecordersOf`, shared with the chaincode; else NOT_REVENUE_RECORDER). Undefined when it may.
 * The chaincode still decides on the ledger; this refuses up front what it would refuse.
 */
export function revenueRecorderRefusal(terms: unknown, members: readonly RecorderCandidate[], mspId: string, channel: string): MarketplaceError | undefined {
  const self = members.find((m) => m.mspId === mspId);
  if (self?.status !== 'active') return forbidden(`${mspId} is not an active member of ${channel} and may not record its revenue`);
  const parsed = storedRecorders.safeParse(terms ?? {});
  const named = parsed.success ? parsed.data.revenueRecorders : undefined;
  if (revenueRecordersOf(named ? { revenueRecorders: named } : {}, members).includes(mspId)) return undefined;
  return new MarketplaceError(
    'NOT_REVENUE_RECORDER',
    `${mspId} is not named by the terms of ${channel} to record revenue (${named ? 'terms.revenueRecorders' : 'the founding group D, as the terms name no recorders'})`,
  );
}
