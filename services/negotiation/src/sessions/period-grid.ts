import { negotiationError } from './negotiation.errors';
import type { Terms } from './proposal.schema';

/**
 * A subscription version's grid of periods (docs/economics.md, "Subscription periods"): its length,
 * and its origin once known (the terms' `price.perPeriod.originMs`, else the version's creation,
 * which only its VersionCreated tells).
 */
export interface PeriodGrid {
  readonly periodSeconds: number;
  readonly originMs?: number;
}

/** The grid of a version with these terms (created at `createdAtMs`, when known); none for pay-per-use or no price per period. */
export function periodGridOf(terms: unknown, createdAtMs?: number): PeriodGrid | undefined {
  const t = terms as { businessModel?: unknown; price?: { perPeriod?: { periodSeconds?: unknown; originMs?: unknown } } } | undefined;
  const perPeriod = t?.price?.perPeriod;
  if (t?.businessModel !== 'subscription' || typeof perPeriod?.periodSeconds !== 'number') return undefined;
  const originMs = typeof perPeriod.originMs === 'number' ? perPeriod.originMs : createdAtMs;
  return { periodSeconds: perPeriod.periodSeconds, ...(originMs !== undefined ? { originMs } : {}) };
}

/**
 * A join's terms continue the DAO's grid of periods, so that the period in progress at the join,
 * charged on the version before, is not charged again on the new one: a subscription priced per
 * period after a subscription keeps its predecessor's period length and origin (filled in when the
 * proposal leaves it out; named by the proposal when this service does not know it, and then checked
 * by the chaincode's VersionSuperseded `periodsContinue`). Anything else has no grid to continue and
 * is left as it is.
 */
export function continueGrid(terms: Terms, predecessor: PeriodGrid | undefined, version: number): Terms {
  const perPeriod = terms.businessModel === 'subscription' ? terms.price?.perPeriod : undefined;
  if (!predecessor || !perPeriod || !terms.price) return terms;
  if (perPeriod.periodSeconds !== predecessor.periodSeconds) {
    throw negotiationError('INVALID_PROPOSAL', `terms.price.perPeriod.periodSeconds: ${perPeriod.periodSeconds} does not continue version ${version - 1}'s periods of ${predecessor.periodSeconds} s`);
  }
  if (predecessor.originMs === undefined) {
    // Version n's periods began at its creation, which this service has not seen (a DAO among trust
    // domains: its VersionCreated reaches only the members). Its members read it from their own bridge.
    if (perPeriod.originMs !== undefined) return terms;
    throw negotiationError(
      'PERIODS_UNKNOWN',
      `terms.price.perPeriod.originMs: version ${version - 1}'s periods began at its creation, unknown here: name it (createdAtMs of GET /daos/<daoId>/versions/${version - 1}/state on a member's own bridge)`,
    );
  }
  if (perPeriod.originMs !== undefined && perPeriod.originMs !== predecessor.originMs) {
    throw negotiationError('INVALID_PROPOSAL', `terms.price.perPeriod.originMs: ${perPeriod.originMs} is not the DAO's origin of periods (${predecessor.originMs}); leave it out to continue it`);
  }
  return { ...terms, price: { ...terms.price, perPeriod: { ...perPeriod, originMs: predecessor.originMs } } };
}
