import { economics } from '@datawell/chaincode-common';
import { PPM, allocateLevel, splitByWeights } from '@datawell/domain';
import type { MemberState, Payout } from './state';

export interface LevelAllocation {
  readonly betaPpm: number;
  readonly levelEnded: boolean;
  readonly joiningShare: bigint;
  readonly rest: bigint;
  readonly restTo: { readonly channel: string } | { readonly group: 'D' };
  /** J_i's payouts, and on CH_1 also D's (the rest). */
  readonly payouts: readonly Payout[];
}

/**
 * What CH_i does with a lump, knowing only its own β_i (economics library, exact integers):
 * J_i gets floor(L·(10^6 − β_i)/10^6) split by its active members' weights (floor, remainder to the
 * first); the rest goes to DAO^(i−1) on channel dao-<d>-v<i−1>, or on CH_1 to D by D's weights.
 * A joining group with no active member has ended: β counts as 10^6 and the whole lump passes inward.
 * `members` are in agreement order.
 */
export function allocateLump(lump: bigint, level: { daoId: string; version: number; betaPpm: number }, members: readonly MemberState[]): LevelAllocation {
  const joining = members.filter((m) => m.level === level.version && m.status === 'active');
  const levelEnded = joining.length === 0;
  const betaPpm = levelEnded ? PPM : level.betaPpm;
  const { share, rest } = economics(() => allocateLevel(lump, betaPpm));
  const payouts: Payout[] = [];
  if (!levelEnded) payouts.push(...pay(share, joining, `weights of J${level.version}`));
  if (level.version > 1) {
    return { betaPpm, levelEnded, joiningShare: share, rest, restTo: { channel: `dao-${level.daoId}-v${level.version - 1}` }, payouts };
  }
  // On CH_1 D is paid here; a D member ending dissolves the DAO, so D is whole while revenue flows.
  const founding = members.filter((m) => m.level === 0 && m.status === 'active');
  payouts.push(...pay(rest, founding, 'weights of D'));
  return { betaPpm, levelEnded, joiningShare: share, rest, restTo: { group: 'D' }, payouts };
}

function pay(amount: bigint, group: readonly MemberState[], field: string): Payout[] {
  const parts = economics(() => splitByWeights(amount, group.map((m) => m.weight), field));
  return group.map((m, k) => ({ mspId: m.mspId, amount: (parts[k] as bigint).toString() }));
}
