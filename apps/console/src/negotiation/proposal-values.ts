import type { Proposal, SessionView, Terms, Workload } from '../api/negotiation';

/*
 * The room's proposal form: its values, the values a session starts from (the current proposal, so a
 * counter-proposal changes what it needs to, or defaults), and the request body they make. Pure, so
 * the body is unit-tested; the service checks it (400 INVALID_PROPOSAL with the field) and computes
 * the ownership from β and the weights.
 */

export interface WorkloadValues {
  name: string;
  owner: string;
  placement: 'managed' | 'self-hosted';
  kind: string;
  /** Kept as they were (the form does not edit a workload's parameters). */
  parameters?: Workload['parameters'];
}

export interface ProposalValues {
  /** β in percent, e.g. 70 or 72.5 (ppm / 10^4). */
  betaPercent: number;
  /** Weights inside the group of the members this version adds (formation: every party). */
  weights: Record<string, number>;
  durationDays: number;
  businessModel: Terms['businessModel'];
  heartbeatIntervalSeconds: number;
  abandonAfterSeconds: number;
  exitNoticeSeconds: number;
  /** The governance terms, kept as they were (the form does not edit them; absent: the ledger's defaults). */
  votingPeriodSeconds?: number;
  quorumPpm?: number;
  computations: Array<{ name: string; resultRecipients: string[] }>;
  workloads: WorkloadValues[];
}

type Parties = SessionView['parties'];

/** The parties whose weight this version sets: every party of a formation, the joiners of a join. */
export function newMembers(session: Pick<SessionView, 'kind' | 'version' | 'parties'>): Parties {
  return session.kind === 'formation' ? session.parties : session.parties.filter((p) => p.group === `J${session.version}`);
}

export function initialValues(session: Pick<SessionView, 'kind' | 'version' | 'parties' | 'proposal'>): ProposalValues {
  const fresh = newMembers(session);
  const agreement = session.proposal?.agreement;
  if (agreement) {
    return {
      betaPercent: agreement.betaPpm / 10_000,
      weights: Object.fromEntries(fresh.map((p) => [p.mspId, agreement.members.find((m) => m.mspId === p.mspId)?.weight ?? 1])),
      durationDays: agreement.terms.durationDays,
      businessModel: agreement.terms.businessModel,
      heartbeatIntervalSeconds: agreement.terms.heartbeatIntervalSeconds,
      abandonAfterSeconds: agreement.terms.abandonAfterSeconds,
      exitNoticeSeconds: agreement.terms.exitNoticeSeconds,
      ...(agreement.terms.votingPeriodSeconds === undefined ? {} : { votingPeriodSeconds: agreement.terms.votingPeriodSeconds }),
      ...(agreement.terms.quorumPpm === undefined ? {} : { quorumPpm: agreement.terms.quorumPpm }),
      computations: agreement.terms.computations.map((c) => ({ name: c.name, resultRecipients: [...c.resultRecipients] })),
      workloads: agreement.infrastructure.workloads.map((w) => ({ name: w.name, owner: w.owner, placement: w.placement, kind: w.kind, ...(w.parameters ? { parameters: w.parameters } : {}) })),
    };
  }
  return {
    betaPercent: 50,
    weights: Object.fromEntries(fresh.map((p) => [p.mspId, 1])),
    durationDays: 365,
    businessModel: 'pay-per-use',
    heartbeatIntervalSeconds: 10,
    abandonAfterSeconds: 60,
    exitNoticeSeconds: 0,
    computations: [{ name: 'mean', resultRecipients: session.parties.map((p) => p.mspId) }],
    workloads: fresh.map((p) => ({ name: `mpc-${p.mspId.toLowerCase()}`, owner: p.mspId, placement: 'managed' as const, kind: 'mpc-node' })),
  };
}

/** β percent → ppm (an integer: the service takes ppm). */
export const betaPpmOf = (percent: number): number => Math.round(percent * 10_000);

export function proposalOf(session: Pick<SessionView, 'kind' | 'version' | 'parties'>, v: ProposalValues): Proposal {
  const fresh = new Set(newMembers(session).map((p) => p.mspId));
  return {
    betaPpm: betaPpmOf(v.betaPercent),
    members: session.parties.map((p) => (fresh.has(p.mspId) ? { mspId: p.mspId, weight: v.weights[p.mspId] ?? 1 } : { mspId: p.mspId })),
    terms: {
      durationDays: v.durationDays,
      businessModel: v.businessModel,
      heartbeatIntervalSeconds: v.heartbeatIntervalSeconds,
      abandonAfterSeconds: v.abandonAfterSeconds,
      exitNoticeSeconds: v.exitNoticeSeconds,
      ...(v.votingPeriodSeconds === undefined ? {} : { votingPeriodSeconds: v.votingPeriodSeconds }),
      ...(v.quorumPpm === undefined ? {} : { quorumPpm: v.quorumPpm }),
      computations: v.computations.map((c) => ({ name: c.name.trim(), resultRecipients: c.resultRecipients })),
    },
    infrastructure: {
      workloads: v.workloads.map((w) => ({ name: w.name.trim(), owner: w.owner, placement: w.placement, kind: w.kind.trim(), ...(w.parameters ? { parameters: w.parameters } : {}) })),
    },
  };
}
