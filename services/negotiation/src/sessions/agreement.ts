import { createHash } from 'node:crypto';
import { canonicalJson, splitByWeights } from '@datawell/domain';
import { negotiationError } from './negotiation.errors';
import { continueGrid, type PeriodGrid } from './period-grid';
import { PPM, type InfrastructureSpec, type ProposalInput, type Terms } from './proposal.schema';

export type Role = 'DSP' | 'VSP';

/** A member of a DAO version as InitVersion takes it. */
export interface AgreementMember {
  readonly mspId: string;
  readonly group: string;
  readonly role: Role;
  readonly weight: number;
  readonly ownershipPpm: number;
}

/** Exactly the argument of the dao chaincode's InitVersion (docs/lifecycle.md). */
export interface Agreement {
  readonly agreementId: string;
  readonly daoId: string;
  readonly version: number;
  readonly betaPpm: number;
  readonly members: readonly AgreementMember[];
  readonly terms: Terms;
  readonly infrastructure: InfrastructureSpec;
  readonly documentDigest: string;
}

/**
 * Who a session's agreement is between. Formation: version 1, D = the DSP parties, J1 = the VSP
 * parties. Join: version n+1 of an existing DAO, the active members of version n keep their groups
 * and weights, the joiners form J_{n+1}.
 */
export type SessionPlan =
  | { readonly kind: 'formation'; readonly daoId: string; readonly version: 1; readonly parties: ReadonlyArray<{ mspId: string; role: Role }> }
  | {
      readonly kind: 'join';
      readonly daoId: string;
      readonly version: number;
      /** Active members of the current top version, with their ownership in it. */
      readonly existing: readonly AgreementMember[];
      readonly joiners: readonly string[];
      /** The accepted admit-member proposal this join was opened for, and the member that opened it. */
      readonly admission?: { readonly proposalId: string; readonly openedBy: string };
    };

export const groupLevel = (group: string): number => (group === 'D' ? 0 : Number(group.slice(1)));
export const groupName = (level: number): string => (level === 0 ? 'D' : `J${level}`);

/** Every party of the plan: who must (or, for earlier members of a join, may) accept. */
export function partiesOf(plan: SessionPlan): string[] {
  return plan.kind === 'formation' ? plan.parties.map((p) => p.mspId) : [...plan.existing.map((m) => m.mspId), ...plan.joiners];
}

/**
 * Ownership of every member, in ppm, summing to exactly 10^6.
 *
 * Formation (version 1): D's group holds β_1 and J1's 10^6 − β_1. Join (version n+1): J_{n+1}
 * holds 10^6 − β_{n+1}, and the earlier members together hold β_{n+1} in proportion to their
 * ownership in version n (each floor(β·o/Σo); Σo is 10^6 unless a member has left).
 * Inside a group the floor rule by weights applies. Every rounding remainder (less than one ppm per
 * member) goes to the first member of the group concerned, as in the payout split, so the D total of
 * a join absorbs the earlier members' remainder.
 */
export function ownershipFor(plan: SessionPlan, betaPpm: number, weights: ReadonlyMap<string, number>): AgreementMember[] {
  if (plan.kind === 'formation') {
    const groups: Array<{ group: string; role: Role; total: number; msps: string[] }> = [
      { group: 'D', role: 'DSP', total: betaPpm, msps: plan.parties.filter((p) => p.role === 'DSP').map((p) => p.mspId) },
      { group: 'J1', role: 'VSP', total: PPM - betaPpm, msps: plan.parties.filter((p) => p.role === 'VSP').map((p) => p.mspId) },
    ];
    return groups.flatMap((g) => splitGroup(g.group, g.role, g.total, g.msps, weights));
  }
  const earlierTotal = plan.existing.reduce((s, m) => s + BigInt(m.ownershipPpm), 0n);
  const scaled = plan.existing.map((m) => ({
    ...m,
    ownershipPpm: earlierTotal === 0n ? 0 : Number((BigInt(betaPpm) * BigInt(m.ownershipPpm)) / earlierTotal),
  }));
  const remainder = betaPpm - scaled.reduce((s, m) => s + m.ownershipPpm, 0);
  const first = scaled.findIndex((m) => m.group === 'D');
  const target = scaled[first === -1 ? 0 : first];
  if (target) scaled[first === -1 ? 0 : first] = { ...target, ownershipPpm: target.ownershipPpm + remainder };
  const joinerGroup = groupName(plan.version);
  return [...scaled, ...splitGroup(joinerGroup, 'VSP', PPM - betaPpm, [...plan.joiners], weights)];
}

function splitGroup(group: string, role: Role, total: number, msps: readonly string[], weights: ReadonlyMap<string, number>): AgreementMember[] {
  const w = msps.map((m) => weights.get(m) ?? 1);
  const parts = splitByWeights(BigInt(total), w, `weights of ${group}`);
  return msps.map((mspId, k) => ({ mspId, group, role, weight: w[k] as number, ownershipPpm: Number(parts[k]) }));
}

/** sha256 hex of the canonical JSON of the agreement document (the agreement without its digest). */
export function documentDigestOf(body: Omit<Agreement, 'documentDigest'>): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** The bytes every party signs: the canonical JSON of the whole agreement, digest included. */
export const signingBytes = (agreement: Agreement): Buffer => Buffer.from(canonicalJson(agreement), 'utf8');

/**
 * Checks a proposal against the session's plan and builds the agreement it stands for. Throws a
 * NegotiationError (400) naming what is wrong: members not exactly the parties, a weight changed for
 * an earlier member, ownership not the one β implies, recipients or workload owners that are not
 * members, or, for a join, a subscription that does not continue the DAO's periods (`predecessorGrid`:
 * the top version's grid, when it has one). A join's workloads are the joiners' own and, carried
 * over, earlier members' workloads exactly as version n's agreement lists them
 * (`predecessorWorkloads`, when this service negotiated it; the dao chaincode checks them against
 * version n's spec on its channel either way): an earlier member's MPC node then serves version n+1 too.
 */
export function buildAgreement(plan: SessionPlan, proposal: ProposalInput, agreementId: string, predecessorGrid?: PeriodGrid, predecessorWorkloads?: InfrastructureSpec['workloads']): Agreement {
  const parties = partiesOf(plan);
  const listed = proposal.members.map((m) => m.mspId);
  const dup = listed.find((m, i) => listed.indexOf(m) !== i);
  if (dup) throw negotiationError('INVALID_PROPOSAL', `members: ${dup} is listed twice`);
  const missing = parties.filter((p) => !listed.includes(p));
  const extra = listed.filter((m) => !parties.includes(m));
  if (missing.length > 0 || extra.length > 0) {
    throw negotiationError(
      'INVALID_PROPOSAL',
      `members must be exactly the session's parties (${parties.join(', ')})${missing.length ? `; missing ${missing.join(', ')}` : ''}${extra.length ? `; not parties: ${extra.join(', ')}` : ''}`,
    );
  }
  const weights = new Map<string, number>();
  for (const m of proposal.members) {
    const earlier = plan.kind === 'join' ? plan.existing.find((e) => e.mspId === m.mspId) : undefined;
    if (earlier && m.weight !== undefined && m.weight !== earlier.weight) {
      throw negotiationError('INVALID_PROPOSAL', `members: the weight of ${m.mspId} in group ${earlier.group} is ${earlier.weight}, fixed by version ${plan.version - 1}`);
    }
    weights.set(m.mspId, earlier?.weight ?? m.weight ?? 1);
  }
  const members = ownershipFor(plan, proposal.betaPpm, weights);
  const wrong = proposal.members
    .map((m) => ({ given: m.ownershipPpm, member: members.find((x) => x.mspId === m.mspId) as AgreementMember }))
    .filter((x) => x.given !== undefined && x.given !== x.member.ownershipPpm);
  if (wrong.length > 0) {
    throw negotiationError(
      'OWNERSHIP_INCONSISTENT',
      `ownershipPpm does not follow from betaPpm ${proposal.betaPpm} and the weights: ${wrong.map((w) => `${w.member.mspId} gets ${w.member.ownershipPpm}, not ${w.given}`).join('; ')}`,
    );
  }
  const msps = new Set(members.map((m) => m.mspId));
  proposal.terms.computations.forEach((c, k) =>
    c.resultRecipients.forEach((r) => {
      if (!msps.has(r)) throw negotiationError('INVALID_PROPOSAL', `terms.computations.${k}.resultRecipients: ${r} is not a member`);
    }),
  );
  proposal.infrastructure.workloads.forEach((w, k) => {
    if (!msps.has(w.owner)) throw negotiationError('INVALID_PROPOSAL', `infrastructure.workloads.${k}.owner: ${w.owner} is not a member`);
    if (plan.kind === 'join' && !plan.joiners.includes(w.owner)) checkCarriedOver(plan, w, k, predecessorWorkloads);
  });
  const body = {
    agreementId,
    daoId: plan.daoId,
    version: plan.version,
    betaPpm: proposal.betaPpm,
    members,
    terms: plan.kind === 'join' ? continueGrid(proposal.terms, predecessorGrid, plan.version) : proposal.terms,
    infrastructure: stripUndefined(proposal.infrastructure),
  };
  return { ...body, documentDigest: documentDigestOf(body) };
}

/**
 * A join's workload of an earlier member: version n's own, carried over unchanged (its MPC node serves
 * version n+1 too). Earlier members add nothing in a join; only the joiners do.
 */
function checkCarriedOver(plan: SessionPlan & { kind: 'join' }, w: InfrastructureSpec['workloads'][number], k: number, predecessorWorkloads: InfrastructureSpec['workloads'] | undefined): void {
  if (!predecessorWorkloads) return; // a version n this service did not negotiate: the chaincode checks it against version n's spec
  const there = predecessorWorkloads.find((p) => p.name === w.name && p.owner === w.owner);
  if (!there) {
    throw negotiationError('INVALID_PROPOSAL', `infrastructure.workloads.${k}: ${w.name} of ${w.owner} is not version ${plan.version - 1}'s (an earlier member's workload is carried over unchanged; only joiners add workloads)`);
  }
  if (canonicalJson(stripUndefined(w)) !== canonicalJson(stripUndefined(there))) {
    throw negotiationError('INVALID_PROPOSAL', `infrastructure.workloads.${k}: ${w.name} of ${w.owner} differs from version ${plan.version - 1}'s (an earlier member's workload is carried over unchanged)`);
  }
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
