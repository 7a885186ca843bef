import { ownership, ownershipExact, PPM, splitByWeights } from '@datawell/domain/economics';

/*
 * The β advisor: the ownership each choice of β implies, from the project's economics (formulas (2)
 * and (3) of the papers, libs/domain/src/economics/ownership.ts), not re-derived here. A version's
 * β is what the earlier DAO keeps: with π[DAO^(n+1)] = 1, the earlier members together hold β_(n+1)
 * and the joining group 1 − β_(n+1) (formation: D holds β_1, J1 holds 1 − β_1); inside a group the
 * share is split by the members' weights (splitByWeights, the floor rule with the remainder to the
 * first member), as the negotiation service computes an agreement's ownershipPpm.
 */

export interface Party {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly group: string;
}

export interface ImpliedShare {
  readonly label: string;
  readonly group: string;
  /** ppm of the version's profit, or undefined when it depends on the previous version's ownership. */
  readonly ownershipPpm: number;
}

/** [earlier DAO (or D), joining group] in exact ppm for β (formula (2)/(3) at one level). */
export function groupTotals(betaPpm: number): { earlierPpm: number; joiningPpm: number } {
  const exact = ownershipExact([betaPpm]);
  const toPpm = (n: bigint) => Number((n * BigInt(PPM)) / exact.denominator);
  return { earlierPpm: toPpm(exact.numerators[0]!), joiningPpm: toPpm(exact.numerators[1]!) };
}

/**
 * What each party would own in this version for β and the weights. Formation: each member of D and
 * of J1 (by weight). Join: each joiner (by weight) and the earlier members together (each keeps its
 * part of β in proportion to its ownership in the previous version, which the session does not show).
 */
export function impliedOwnership(kind: 'formation' | 'join', parties: readonly Party[], betaPpm: number, weights: ReadonlyMap<string, number>): ImpliedShare[] {
  const { earlierPpm, joiningPpm } = groupTotals(betaPpm);
  const joinerGroup = kind === 'formation' ? 'J1' : (parties.find((p) => !isEarlier(kind, p, parties))?.group ?? 'J?');
  const joiners = parties.filter((p) => p.group === joinerGroup);
  const split = (members: readonly Party[], total: number) => {
    const parts = splitByWeights(BigInt(total), members.map((m) => weights.get(m.mspId) ?? 1), `weights of ${members[0]?.group ?? '?'}`);
    return members.map((m, k): ImpliedShare => ({ label: m.mspId, group: m.group, ownershipPpm: Number(parts[k]) }));
  };
  if (kind === 'formation') return [...split(parties.filter((p) => p.group === 'D'), earlierPpm), ...split(joiners, joiningPpm)];
  return [{ label: 'earlier members together', group: 'D…', ownershipPpm: earlierPpm }, ...split(joiners, joiningPpm)];
}

function isEarlier(kind: 'formation' | 'join', p: Party, parties: readonly Party[]): boolean {
  if (kind === 'formation') return p.group === 'D';
  const top = Math.max(...parties.map((x) => (x.group === 'D' ? 0 : Number(x.group.slice(1)))));
  return p.group !== `J${top}`;
}

/** Points of the advisor's chart: the shares (percent) of the earlier DAO and of the joining group over β. */
export function curve(step = 2.5): Array<{ beta: number; earlier: number; joining: number }> {
  const points: Array<{ beta: number; earlier: number; joining: number }> = [];
  for (let beta = step; beta < 100; beta += step) {
    const [earlier = 0, joining = 0] = ownership([Math.round(beta * 10_000)]);
    points.push({ beta, earlier: round2(earlier * 100), joining: round2(joining * 100) });
  }
  return points;
}

/**
 * Dilution: the founding group's and the first joiners' shares (percent) after `later` more versions
 * whose joiners each get the same β (formula (3): every later β multiplies the earlier shares).
 */
export function dilution(betaPpm: number, later = 4): Array<{ versions: number; founders: number; firstJoiners: number }> {
  return Array.from({ length: later + 1 }, (_, k) => {
    const shares = ownership(Array.from({ length: k + 1 }, () => betaPpm));
    return { versions: k + 1, founders: round2((shares[0] ?? 0) * 100), firstJoiners: round2((shares[1] ?? 0) * 100) };
  });
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** ppm as a percent with up to four decimals ("72.5 %"). */
export function percent(ppm: number): string {
  return `${(ppm / 10_000).toLocaleString('en', { maximumFractionDigits: 4 })} %`;
}
