import { betasFor, parseShares } from '@datawell/domain';
import { groupLevel, groupName, type AgreementMember } from '../sessions/agreement';
import { PPM } from '../sessions/proposal.schema';

export interface BetaSuggestion {
  readonly daoId?: string;
  /** The version the β is for: n+1 for a joiner, 1.. for a formation plan. */
  readonly version: number;
  readonly betaPpm: number;
  /** Formation plan from shares: β_1 … β_n (the first is the formation's). */
  readonly betasPpm: readonly number[];
  /** Ownership of each group after that version, ppm. */
  readonly groups: ReadonlyArray<{ readonly group: string; readonly ownershipPpm: number }>;
}

/**
 * β_{n+1} for a group joining a DAO whose version n is held by `existing`, so that the joiners own
 * `targetOwnershipPpm` afterwards: the economics inverse `betasFor` on the two-level vector
 * (DAO^(n) as a whole, the joiners), i.e. β = 1 − target, rounded to the nearest ppm.
 */
export function suggestJoinBeta(daoId: string, version: number, existing: readonly AgreementMember[], targetOwnershipPpm: number): BetaSuggestion {
  const [betaPpm] = betasFor([PPM - targetOwnershipPpm, targetOwnershipPpm]) as [number];
  const total = existing.reduce((s, m) => s + BigInt(m.ownershipPpm), 0n);
  const byGroup = new Map<string, bigint>();
  for (const m of existing) byGroup.set(m.group, (byGroup.get(m.group) ?? 0n) + BigInt(m.ownershipPpm));
  const groups = [...byGroup.entries()]
    .sort((a, b) => groupLevel(a[0]) - groupLevel(b[0]))
    .map(([group, o]) => ({ group, ownershipPpm: total === 0n ? 0 : Number((BigInt(betaPpm) * o) / total) }));
  const rest = betaPpm - groups.reduce((s, g) => s + g.ownershipPpm, 0);
  if (groups[0]) groups[0] = { ...groups[0], ownershipPpm: groups[0].ownershipPpm + rest };
  groups.push({ group: groupName(version + 1), ownershipPpm: PPM - betaPpm });
  return { daoId, version: version + 1, betaPpm, betasPpm: [betaPpm], groups };
}

/**
 * Formation: from a target ownership vector `s_D, s_1 … s_n` (decimals summing to 1), the β's that
 * give it (`betasFor`); β_1 is the formation's, the rest are those of the planned joins.
 */
export function suggestFormationBetas(shares: string): BetaSuggestion {
  const parsed = parseShares(shares, 'shares');
  const betasPpm = betasFor(parsed);
  return {
    version: 1,
    betaPpm: betasPpm[0] as number,
    betasPpm,
    groups: parsed.map((s, i) => ({ group: groupName(i), ownershipPpm: s })),
  };
}
