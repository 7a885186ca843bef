import { betasFor, formatPpm, paretoJoinBeta, parseShares } from '@datawell/domain';
import { groupLevel, groupName, ownershipFor, type AgreementMember, type SessionPlan } from '../sessions/agreement';
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

/** What a β does to a join: every member's ownership after it, and the DSP's lead. */
export interface BetaEvaluation {
  readonly betaPpm: number;
  /** Every member of version n+1 (the earlier ones scaled by β, the joiners sharing 1 − β equally), ppm summing to 10^6. */
  readonly members: ReadonlyArray<{ readonly mspId: string; readonly group: string; readonly role: 'DSP' | 'VSP'; readonly ownershipPpm: number; readonly joiner: boolean }>;
  readonly groups: ReadonlyArray<{ readonly group: string; readonly ownershipPpm: number }>;
  /** The DSP group D's ownership after the join. */
  readonly dspOwnershipPpm: number;
  /** D's ownership minus the largest ownership of any other member: how far the DSP leads (negative: it does not). */
  readonly dspMarginPpm: number;
  /** The member with the largest ownership (the first in member order on a tie). */
  readonly largestOwner: string;
}

export interface BetaAdvice {
  readonly daoId: string;
  /** The version the β is for (n+1). */
  readonly version: number;
  readonly joinerGroup: string;
  readonly joiners: readonly string[];
  /** The Pareto curve s_k = C·k^(−γ) fitted to the current shares by level (D first): docs/negotiation.md, "β advisor". */
  readonly fit: { readonly alpha: number; readonly exponent: number; readonly scale: number; readonly source: 'fitted' | 'default'; readonly rSquared: number | null };
  /** The DAO's current ownership by group (active members), ppm. */
  readonly currentGroups: ReadonlyArray<{ readonly group: string; readonly ownershipPpm: number }>;
  /** The β that puts the joiners on the curve, and what it gives. */
  readonly advised: BetaEvaluation;
  /** The β the caller proposed (betaPpm), evaluated the same way; null when none was given. */
  readonly proposed: BetaEvaluation | null;
  /** JOINER_LARGEST_OWNER (advised or proposed β), DSP_NOT_LARGEST, CURVE_NOT_FITTED. */
  readonly warnings: ReadonlyArray<{ readonly code: 'JOINER_LARGEST_OWNER' | 'DSP_NOT_LARGEST' | 'CURVE_NOT_FITTED'; readonly which: 'advised' | 'proposed' | 'fit'; readonly message: string }>;
}

/** The current ownership of each group of `existing`, by level. */
function groupsOf(members: ReadonlyArray<{ group: string; ownershipPpm: number }>): Array<{ group: string; ownershipPpm: number }> {
  const byGroup = new Map<string, number>();
  for (const m of members) byGroup.set(m.group, (byGroup.get(m.group) ?? 0) + m.ownershipPpm);
  return [...byGroup.entries()].sort((a, b) => groupLevel(a[0]) - groupLevel(b[0])).map(([group, ownershipPpm]) => ({ group, ownershipPpm }));
}

/** Every member's ownership under `betaPpm`, exactly as the agreement of the join would compute it (ownershipFor). */
export function evaluateJoinBeta(daoId: string, version: number, existing: readonly AgreementMember[], joiners: readonly string[], betaPpm: number): BetaEvaluation {
  const plan: SessionPlan = { kind: 'join', daoId, version: version + 1, existing, joiners };
  const members = ownershipFor(plan, betaPpm, new Map()).map((m) => ({ mspId: m.mspId, group: m.group, role: m.role, ownershipPpm: m.ownershipPpm, joiner: joiners.includes(m.mspId) }));
  const groups = groupsOf(members);
  const dspOwnershipPpm = groups.find((g) => g.group === 'D')?.ownershipPpm ?? 0;
  const others = members.filter((m) => m.group !== 'D').map((m) => m.ownershipPpm);
  const largest = members.reduce((best, m) => (m.ownershipPpm > best.ownershipPpm ? m : best), members[0] as (typeof members)[number]);
  return { betaPpm, members, groups, dspOwnershipPpm, dspMarginPpm: dspOwnershipPpm - Math.max(0, ...others), largestOwner: largest.mspId };
}

/**
 * The β advisor for a group joining DAO version `version` held by `existing` (its active members):
 * the β of paretoJoinBeta (@datawell/domain) on the current group shares, rounded to the nearest ppm,
 * every member's ownership under it and under the caller's `proposedBetaPpm`, and warnings.
 */
export function adviseJoinBeta(daoId: string, version: number, existing: readonly AgreementMember[], joiners: readonly string[], proposedBetaPpm?: number): BetaAdvice {
  const currentGroups = groupsOf(existing);
  const advice = paretoJoinBeta(currentGroups.map((g) => g.ownershipPpm));
  const advisedPpm = Math.min(PPM - 1, Math.max(1, Math.round(advice.beta * PPM)));
  const advised = evaluateJoinBeta(daoId, version, existing, joiners, advisedPpm);
  const proposed = proposedBetaPpm === undefined ? null : evaluateJoinBeta(daoId, version, existing, joiners, proposedBetaPpm);
  const warnings: Array<BetaAdvice['warnings'][number]> = [];
  if (advice.fit.source === 'default') {
    warnings.push({ code: 'CURVE_NOT_FITTED', which: 'fit', message: `the current shares (${currentGroups.map((g) => formatPpm(g.ownershipPpm)).join(', ')}) do not decrease with the level: no Pareto curve through them, the 80/20 shape (α = ${advice.fit.alpha.toFixed(3)}) is used` });
  }
  for (const [which, e] of [['advised', advised], ['proposed', proposed]] as const) {
    if (!e) continue;
    const earliest = Math.max(...e.members.filter((m) => !m.joiner).map((m) => m.ownershipPpm));
    const joinerTop = e.members.filter((m) => m.joiner).reduce<(typeof e.members)[number] | undefined>((best, m) => (!best || m.ownershipPpm > best.ownershipPpm ? m : best), undefined);
    if (joinerTop && joinerTop.ownershipPpm >= earliest) {
      warnings.push({ code: 'JOINER_LARGEST_OWNER', which, message: `with β = ${formatPpm(e.betaPpm)} the joiner ${joinerTop.mspId} would own ${formatPpm(joinerTop.ownershipPpm)}, at least as much as any earlier member: the largest owner of the DAO` });
    }
    if (e.dspMarginPpm <= 0) {
      warnings.push({ code: 'DSP_NOT_LARGEST', which, message: `with β = ${formatPpm(e.betaPpm)} the DSP group D (${formatPpm(e.dspOwnershipPpm)}) no longer owns more than every other member` });
    }
  }
  return {
    daoId,
    version: version + 1,
    joinerGroup: groupName(version + 1),
    joiners: [...joiners],
    fit: advice.fit,
    currentGroups,
    advised,
    proposed,
    warnings,
  };
}
