import { split } from '@datawell/domain';
import { registerDomainParticipant, type DomainMember } from './domains';
import { ApiError, call, tokenAt, until, type Party } from './api';
import type { MemberEntitlement } from './subscription';

export interface DomainGovernanceOptions {
  readonly daoId: string;
  /** The version to govern, and its members, the DSP first (at least two VSPs: one proposes, one leaves). */
  readonly version: number;
  readonly members: readonly DomainMember[];
  /** The voting period the accepted change sets, for the proposal that is then left to run out (seconds). */
  readonly shortVotingSeconds?: number;
  readonly progress: (message: string) => void;
  readonly timeoutMs?: number;
  /** A member leaves here: by default the last VSP gives notice through its own bridge. Replace to drive it otherwise (the CLI). */
  readonly requestExit?: (leaver: DomainMember, at: { daoId: string; version: number }) => Promise<unknown>;
  readonly completeExit?: (by: DomainMember, leaver: DomainMember, at: { daoId: string; version: number }) => Promise<unknown>;
  /**
   * A VSP in its own domain, not a member: it is registered in the marketplace, admitted by an
   * admit-member proposal, and must then find the join negotiation the members' bridges opened.
   */
  readonly candidate?: DomainMember;
  /** The operator's services the admission needs (the candidate's registration, the join session). */
  readonly urls?: { readonly marketplace: string; readonly negotiation: string };
  /** Asks a member's bridge for the join of the admission (by default over HTTP; replace to drive it otherwise, the CLI). */
  readonly openJoin?: (by: DomainMember, at: { daoId: string; version: number }, proposalId: string) => Promise<{ session: { id: string } }>;
  /**
   * Feedback between co-members, each through its own bridge (SubmitFeedback on the marketplace
   * channel, signed in its own domain): the DSP and the proposer rate each other, a second rating of
   * the same pair is refused, and the scores are read from the operator's public directory.
   */
  readonly feedback?: boolean;
  /**
   * A transfer of rights by the second VSP (with three VSPs or more: the proposer proposes, the second
   * transfers, the last leaves), run after the exit; what it returns is passed through.
   */
  readonly transfer?: (from: DomainMember, at: { daoId: string; version: number }) => Promise<TransferOutcome>;
  /**
   * Computations of the version completed before the governance (pay-per-use), each metered into
   * revenue `job:<id>` by its recipient's own bridge: the scenario waits for each in the entitlements
   * (read through the DSP's bridge) and reads the version's state then, which is the state they were
   * recorded in (the governance below changes no member before the exit and the transfer): each
   * event's split on the ledger beside the economics split of that β and those active members.
   */
  readonly meteredJobs?: readonly string[];
  /**
   * Revenue the DSP records through its own bridge at the end. Its split on the ledger (the event's
   * payouts, read through the DSP's bridge, and each active member's own payout of it through its own)
   * is compared with the economics split of the version's final state (its β and the active members'
   * weights); with `meteredJobs`, every member's entitlement is compared with the sum of the splits of
   * every revenue event (the metered ones at their time, the final one now).
   */
  readonly revenue?: bigint;
}

/** A revenue event of the version, as the ledger's entitlements show it, beside what the economics library gives for it. */
export interface GovernanceRevenueEvent {
  /** `job:<id>` for a metered computation, else the recorded revenue's id. */
  readonly revenueId: string;
  /** The computation metered (revenue `job:<id>`). */
  readonly jobId?: string;
  readonly kind: string;
  /** The lump recorded (for a metered computation: the terms' price). */
  readonly amount: string;
  /** The transaction that recorded it (RecordRevenue, or MeterComputation), and who signed it. */
  readonly txId: string;
  readonly recordedBy: string;
  readonly atMs: number;
  /** β of the version when it was recorded. */
  readonly betaPpm: number;
  /** Its split on the ledger: each member it paid (non-zero payouts). */
  readonly payouts: Record<string, string>;
  /** The economics split of the lump at `betaPpm` and the weights of the members active when it was recorded. */
  readonly expected: Record<string, string>;
}

/** What a transfer of rights did: who gave its position to whom, and the channels the receiver sits in after. */
export interface TransferOutcome {
  readonly from: string;
  readonly to: string;
  readonly channels: readonly string[];
}

/** A join session as the negotiation service lists it. */
type SessionLine = { id: string; kind: string; daoId: string; version: number; state: string; createdBy: string; admission: { proposalId: string; openedBy: string } | null; parties: string[] };

export interface Refusal {
  readonly status: number;
  readonly code: string;
}

type ProposalView = { proposalId: string; kind: string; proposer: string; status: string; yesPpm: number; noPpm: number; votingEndsAtMs: number; quorumPpm: number; votes: Array<{ mspId: string; choice: string; weightPpm: number }> };

export interface DomainGovernanceResult {
  /** The change of terms: proposed by a VSP, voted yes member by member through each one's own bridge until decided. */
  readonly changeTerms: { proposal: ProposalView; voters: string[]; termsReadBy: Record<string, Record<string, unknown>> };
  /** What a vote on the decided proposal got. */
  readonly voteAfterDecision: Refusal;
  /** The proposal left to run out under the new, short voting period: the late vote, the close at the deadline by the members' bridges (nobody asked), and a close asked after it. */
  readonly late: { proposal: ProposalView; lateVote: Refusal; closed: ProposalView; closeAfterSweep: Refusal };
  /**
   * The admission of the candidate: the admit-member proposal accepted by the members' votes, the join
   * session each party found in its list (opened by a member's bridge, nobody asked), the session a
   * member's bridge answered when asked (the same), and asking for the join of another kind of proposal.
   */
  readonly admission?: { proposal: ProposalView; voters: string[]; sessionSeenBy: Record<string, SessionLine>; asked: { session: { id: string } }; notAnAdmission: Refusal };
  /** A VSP's voluntary exit with notice, completed by the DSP, and what the leaver's bridge answered after. */
  readonly exit: { mspId: string; requested: Record<string, unknown>; again: Refusal; completed: Record<string, unknown>; proposeAfterExit: Refusal };
  /** The ratings (rater, target, score, the ledger's transaction), the second rating refused, and each rated member's score as the directory shows it. */
  readonly feedback?: { ratings: Array<{ from: string; target: string; score: number; txId: string }>; again: Refusal; reputation: Record<string, number> };
  readonly transfer?: TransferOutcome;
  /** With `meteredJobs`: each metered computation's revenue event, its split on the ledger and the economics split at its time. */
  readonly metered?: GovernanceRevenueEvent[];
  /**
   * The revenue the DSP recorded at the end: its split on the ledger (`payouts`, the event's) and what
   * the economics split of the final state gives (`expected`), each active member's payout of it as it
   * reads it through its own bridge (`ownReads`); and over every revenue event of the version
   * (`totals`): each member's entitlement on the ledger (read through the DSP's bridge), the sum of
   * the economics splits of the events, and each active member's entitlement as it reads it through its own bridge.
   */
  readonly revenue?: {
    revenueId: string;
    amount: string;
    txId: string;
    recordedBy: string;
    betaPpm: number;
    payouts: Record<string, string>;
    expected: Record<string, string>;
    ownReads: Record<string, string>;
    totals: { payouts: Record<string, string>; expected: Record<string, string>; ownReads: Record<string, string> };
  };
}

type MemberView = { mspId: string; level: number; weight: number; status: string };
type VersionView = { betaPpm: number; memberStates: MemberView[] };

/**
 * What `./dev economics split` gives for a lump on this version: its β and its active members'
 * weights, the founders (level 0) as the DSP group, the members of the version's level as the
 * joining group (the whole lump to the founders when that group has left). Members it pays nothing are left out.
 */
export function expectedSplit(amount: bigint, state: VersionView, version: number): Record<string, string> {
  const active = state.memberStates.filter((m) => m.status === 'active');
  const founding = active.filter((m) => m.level === 0);
  const joining = active.filter((m) => m.level === version);
  const expected: Record<string, string> = {};
  if (joining.length > 0) {
    const s = split(amount, { levels: [{ betaPpm: state.betaPpm, weights: joining.map((m) => m.weight) }], dspWeights: founding.map((m) => m.weight) });
    founding.forEach((m, k) => (expected[m.mspId] = String(s.dspMembers[k])));
    joining.forEach((m, k) => (expected[m.mspId] = String(s.vspMembers[0]?.[k])));
  } else {
    const s = split(amount, { levels: [{ betaPpm: state.betaPpm }], dspWeights: founding.map((m) => m.weight) }, { ended: [1] });
    founding.forEach((m, k) => (expected[m.mspId] = String(s.dspMembers[k])));
  }
  return Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== '0'));
}

/** A revenue recorded on the channel, as the members' entitlements show it (each allocation once; its non-zero payouts). */
export type LedgerRevenue = Omit<GovernanceRevenueEvent, 'betaPpm' | 'expected' | 'jobId'> & { readonly allocationId: string };

/** The revenue `revenueId` among the entitlements of a channel (GetEntitlements with events), or undefined when no allocation of it paid anyone. */
export function ledgerRevenue(entitlements: readonly MemberEntitlement[], revenueId: string): LedgerRevenue | undefined {
  for (const member of entitlements) {
    const e = (member.events ?? []).find((x) => x.source.kind === 'revenue' && x.source.revenueId === revenueId);
    if (!e) continue;
    const payouts = Object.fromEntries(e.split.payouts.filter((x) => x.amount !== '0').map((x) => [x.mspId, x.amount]));
    return { revenueId, allocationId: e.allocationId, kind: e.revenue?.kind ?? '', amount: e.lump, txId: e.txId, recordedBy: e.revenue?.recordedBy ?? '', atMs: e.atMs, payouts };
  }
  return undefined;
}

/** Each member's sum over several splits (members paid nothing left out). */
export function sumPayouts(splits: ReadonlyArray<Readonly<Record<string, string>>>): Record<string, string> {
  const sum = new Map<string, bigint>();
  for (const s of splits) for (const [msp, amount] of Object.entries(s)) sum.set(msp, (sum.get(msp) ?? 0n) + BigInt(amount));
  return Object.fromEntries([...sum].filter(([, v]) => v !== 0n).map(([k, v]) => [k, v.toString()]));
}

/** The status and code of a refused call; a call that succeeds is a failure of the scenario. */
async function refusal(what: string, work: () => Promise<unknown>): Promise<Refusal> {
  try {
    await work();
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error(`${what} was accepted; it should have been refused`);
}

/**
 * Governance of a DAO version whose members are in their own trust domains, every write through the
 * writer's own member-mode bridge (its identity, its peer): a VSP proposes a change of terms that
 * shortens the voting period; the members vote yes one by one until the proposal is decided on
 * chain, and each reads the new terms through its own bridge; a vote on the decided proposal is
 * refused; a second proposal is left until its (short) deadline has passed, a vote after it is
 * refused (VOTING_CLOSED, by transaction time) and the members' bridges close it on their own (their
 * sweep), finding no quorum (expired), so a close asked after is PROPOSAL_DECIDED; the last
 * VSP gives notice, giving it again is refused, the DSP completes its exit (no notice in these
 * terms) and the leaver may no longer propose.
 */
export async function runDomainGovernance(opts: DomainGovernanceOptions): Promise<DomainGovernanceResult> {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const { daoId, version, progress } = opts;
  const [dsp, proposer, ...rest] = opts.members;
  const leaver = rest.at(-1);
  if (!dsp || dsp.role !== 'DSP' || !proposer || !leaver) throw new Error('governance in domains needs the DSP first and at least two VSPs');
  const parties = new Map<string, Party>(opts.members.map((m) => [m.mspId, { mspId: m.mspId, role: m.role, identity: m.identity, tokens: new Map() }]));
  const at = async <T>(m: DomainMember, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> =>
    call<T>(`${m.bridgeUrl}/daos/${daoId}/versions/${version}${path}`, { method, token: await tokenAt(parties.get(m.mspId) as Party, m.bridgeUrl, timeoutMs), ...(body === undefined ? {} : { body }) });
  const shortVoting = opts.shortVotingSeconds ?? 3;
  const entitlementsAt = (m: DomainMember) => at<MemberEntitlement[]>(m, 'GET', '/entitlements');

  // The computations metered before: on this version as it is now (no member has left or handed over yet).
  let metered: GovernanceRevenueEvent[] | undefined;
  if (opts.meteredJobs && opts.meteredJobs.length > 0) {
    const jobs = opts.meteredJobs;
    progress(`${dsp.mspId} reads the ${jobs.length} metered computation(s) in the entitlements through its own bridge`);
    const events = await until(
      `revenue ${jobs.map((j) => `job:${j}`).join(', ')} in the entitlements of ${daoId} v${version}`,
      async () => {
        const list = await entitlementsAt(dsp);
        const found = jobs.map((j) => ledgerRevenue(list, `job:${j}`));
        return found.every((e) => e !== undefined) ? (found as LedgerRevenue[]) : undefined;
      },
      timeoutMs,
      1000,
    );
    const state = await at<VersionView>(dsp, 'GET', '/state');
    metered = events.map(({ allocationId: _a, ...e }, k) => ({ ...e, jobId: jobs[k] as string, betaPpm: state.betaPpm, expected: expectedSplit(BigInt(e.amount), state, version) }));
  }

  let admission: { proposal: ProposalView; voters: string[]; sessionSeenBy: Record<string, SessionLine> } | undefined;
  const candidate = opts.candidate;
  if (candidate) {
    if (!opts.urls) throw new Error('an admission needs the operator\'s marketplace and negotiation URLs');
    const urls = opts.urls;
    const asParty = { mspId: candidate.mspId, role: candidate.role, identity: candidate.identity, tokens: new Map<string, string>() };
    parties.set(candidate.mspId, asParty);
    await registerDomainParticipant(urls.marketplace, candidate, progress, timeoutMs);
    progress(`${proposer.mspId} proposes through its own bridge to admit ${candidate.mspId}`);
    let admit = (await at<{ proposal: ProposalView }>(proposer, 'POST', '/proposals', { proposalId: `admit-${daoId}`, kind: 'admit-member', payload: { mspId: candidate.mspId, role: 'VSP', name: `Candidate ${candidate.mspId}` }, description: 'a new VSP' })).proposal;
    const admitVoters: string[] = [];
    for (const m of [proposer, ...rest, dsp]) {
      if (admit.status !== 'open') break;
      progress(`${m.mspId} votes yes on the admission through its own bridge`);
      admit = (await at<{ proposal: ProposalView }>(m, 'POST', `/proposals/${admit.proposalId}/votes`, { choice: 'yes' })).proposal;
      admitVoters.push(m.mspId);
    }
    // Nobody asks for the join: a member's bridge opens it when it sees the decision (its sweep).
    progress(`waiting for the join negotiation with ${candidate.mspId} to appear in the parties' session lists`);
    const sessionSeenBy: Record<string, SessionLine> = {};
    for (const [who, party] of [[candidate.mspId, asParty], [proposer.mspId, parties.get(proposer.mspId) as Party]] as const) {
      sessionSeenBy[who] = await until(
        `the join of ${admit.proposalId} in ${who}'s sessions`,
        async () => (await call<SessionLine[]>(`${urls.negotiation}/sessions`, { token: await tokenAt(party, urls.negotiation, timeoutMs) })).find((s) => s.admission?.proposalId === admit.proposalId),
        timeoutMs,
        1000,
      );
    }
    admission = { proposal: admit, voters: admitVoters, sessionSeenBy };
  }

  const { terms } = await at<{ terms: Record<string, unknown> }>(proposer, 'GET', '/state');
  const newTerms = { ...terms, votingPeriodSeconds: shortVoting, quorumPpm: 500_000 };
  progress(`${proposer.mspId} proposes through its own bridge: voting period ${shortVoting} s, quorum 50 %`);
  const made = await at<{ proposal: ProposalView }>(proposer, 'POST', '/proposals', { proposalId: `terms-${daoId}`, kind: 'change-terms', payload: newTerms, description: 'shorter voting period' });
  let proposal = made.proposal;
  const voters: string[] = [];
  // The VSPs first: the DSP's weight alone may decide it.
  for (const m of [proposer, ...rest, dsp]) {
    if (proposal.status !== 'open') break;
    progress(`${m.mspId} votes yes through its own bridge`);
    proposal = (await at<{ proposal: ProposalView }>(m, 'POST', `/proposals/${proposal.proposalId}/votes`, { choice: 'yes' })).proposal;
    voters.push(m.mspId);
  }
  const termsReadBy: Record<string, Record<string, unknown>> = {};
  for (const m of opts.members) termsReadBy[m.mspId] = (await at<{ terms: Record<string, unknown> }>(m, 'GET', '/state')).terms;
  const nonVoter = opts.members.find((m) => !voters.includes(m.mspId)) ?? dsp;
  const voteAfterDecision = await refusal('a vote on a decided proposal', () => at(nonVoter, 'POST', `/proposals/${proposal.proposalId}/votes`, { choice: 'no' }));

  progress(`${dsp.mspId} proposes to dissolve under the new terms; nobody votes before the deadline`);
  const late = (await at<{ proposal: ProposalView }>(dsp, 'POST', '/proposals', { proposalId: `late-${daoId}`, kind: 'dissolve' })).proposal;
  // The deadline is in transaction time, which the submitting bridge stamps from this machine's clock: wait past it.
  await new Promise((r) => setTimeout(r, Math.max(0, late.votingEndsAtMs - Date.now()) + 1500));
  const lateVote = await refusal('a vote after the deadline', () => at(proposer, 'POST', `/proposals/${late.proposalId}/votes`, { choice: 'yes' }));
  // Nobody calls CloseProposal: the members' bridges close expired proposals themselves (their sweep).
  progress('waiting for the members\' bridges to close the expired proposal on their own');
  const closed = await until(
    `proposal ${late.proposalId} closed by a member's bridge`,
    async () => {
      const p = await at<ProposalView>(leaver, 'GET', `/proposals/${late.proposalId}`);
      return p.status === 'open' ? undefined : p;
    },
    timeoutMs,
    1000,
  );
  const closeAfterSweep = await refusal('closing a proposal the sweep closed', () => at(leaver, 'POST', `/proposals/${late.proposalId}/close`));

  progress(`${leaver.mspId} gives notice of leaving through its own bridge`);
  const requested = (await (opts.requestExit ? opts.requestExit(leaver, { daoId, version }) : at<{ member: Record<string, unknown> }>(leaver, 'POST', '/exit', {})).then((r) => (r as { member: Record<string, unknown> }).member)) as Record<string, unknown>;
  const again = await refusal('a second notice', () => at(leaver, 'POST', '/exit', {}));
  progress(`${dsp.mspId} completes ${leaver.mspId}'s exit through its own bridge`);
  const completed = (await (opts.completeExit ? opts.completeExit(dsp, leaver, { daoId, version }) : at<{ member: Record<string, unknown> }>(dsp, 'POST', `/members/${leaver.mspId}/exit`)).then((r) => (r as { member: Record<string, unknown> }).member)) as Record<string, unknown>;
  const proposeAfterExit = await refusal('a proposal by a member that left', () => at(leaver, 'POST', '/proposals', { kind: 'dissolve' }));

  let transfer: TransferOutcome | undefined;
  if (opts.transfer) {
    const from = rest.length >= 2 ? rest[0] : undefined;
    if (!from) throw new Error('a transfer in the governance scenario needs three VSPs: the proposer, the one who transfers, the one who leaves');
    progress(`${from.mspId} transfers its rights`);
    transfer = await opts.transfer(from, { daoId, version });
  }

  let admissionResult: DomainGovernanceResult['admission'];
  if (admission) {
    const admitId = admission.proposal.proposalId;
    progress(`${dsp.mspId} asks its own bridge for the join of ${admitId}: the session opened before`);
    const asked = opts.openJoin ? await opts.openJoin(dsp, { daoId, version }, admitId) : await at<{ session: { id: string } }>(dsp, 'POST', `/proposals/${admitId}/join`);
    const notAnAdmission = await refusal('the join of a change of terms', () => at(dsp, 'POST', `/proposals/${proposal.proposalId}/join`));
    admissionResult = { ...admission, asked, notAnAdmission };
  }

  let feedback: DomainGovernanceResult['feedback'];
  if (opts.feedback) {
    if (!opts.urls) throw new Error("feedback needs the operator's marketplace URL");
    const marketplace = opts.urls.marketplace;
    const rate = async (from: DomainMember, target: DomainMember, score: number) => {
      progress(`${from.mspId} rates ${target.mspId} ${score}/5 through its own bridge (SubmitFeedback on marketplace, signed in its domain)`);
      const token = await tokenAt(parties.get(from.mspId) as Party, from.bridgeUrl, timeoutMs);
      const given = await call<{ txId: string }>(`${from.bridgeUrl}/feedback`, { method: 'POST', token, body: { daoId, target: target.mspId, score, comment: `governance scenario: ${from.mspId} on ${target.mspId}` } });
      return { from: from.mspId, target: target.mspId, score, txId: given.txId };
    };
    const ratings = [await rate(dsp, proposer, 5), await rate(proposer, dsp, 4)];
    const again = await refusal('a second rating of the same pair', async () => rate(dsp, proposer, 1));
    const reputation: Record<string, number> = {};
    for (const r of ratings) {
      // The directory's read model follows the ledger's event: wait until it counts the rating.
      reputation[r.target] = await until(
        `${r.target}'s reputation counting ${r.from}'s rating`,
        async () => {
          const p = await call<{ reputation: { count: number; score: number } }>(`${marketplace}/participants/${r.target}`);
          return p.reputation.count >= 1 ? p.reputation.score : undefined;
        },
        timeoutMs,
        1000,
      );
    }
    feedback = { ratings, again, reputation };
  }

  let revenue: DomainGovernanceResult['revenue'];
  if (opts.revenue !== undefined) {
    const amount = opts.revenue;
    const revenueId = `gov-rev-${daoId}`;
    progress(`${dsp.mspId} records revenue ${amount} through its own bridge`);
    const dspToken = await tokenAt(parties.get(dsp.mspId) as Party, dsp.bridgeUrl, timeoutMs);
    const recorded = await call<{ txId: string }>(`${dsp.bridgeUrl}/daos/${daoId}/revenue`, { method: 'POST', token: dspToken, body: { amount: amount.toString(), kind: 'use', revenueId } });
    const state = await at<VersionView>(dsp, 'GET', '/state');
    const active = state.memberStates.filter((m) => m.status === 'active');
    // What `./dev economics split` gives for this version's β and its active members' weights (the whole lump to D when J has left).
    const expected = expectedSplit(amount, state, version);
    // The event's split and every member's entitlement, from one read that has it.
    const { event, list } = await until(
      `the revenue ${recorded.txId} in the entitlements`,
      async () => {
        const read = await entitlementsAt(dsp);
        const found = ledgerRevenue(read, revenueId);
        return found ? { event: found, list: read } : undefined;
      },
      timeoutMs,
      1000,
    );
    const ownReads: Record<string, string> = {};
    const ownTotals: Record<string, string> = {};
    for (const m of opts.members.filter((x) => active.some((a) => a.mspId === x.mspId))) {
      const own = (await entitlementsAt(m)).find((e) => e.mspId === m.mspId);
      ownReads[m.mspId] = own?.events?.find((e) => e.allocationId === event.allocationId)?.amount ?? '0';
      ownTotals[m.mspId] = own?.amount ?? '0';
    }
    const totals = {
      payouts: Object.fromEntries(list.filter((e) => e.amount !== '0').map((e) => [e.mspId, e.amount])),
      expected: sumPayouts([...(metered ?? []).map((e) => e.expected), expected]),
      ownReads: ownTotals,
    };
    revenue = { revenueId, amount: amount.toString(), txId: recorded.txId, recordedBy: event.recordedBy, betaPpm: state.betaPpm, payouts: event.payouts, expected, ownReads, totals };
  }

  return {
    ...(admissionResult ? { admission: admissionResult } : {}),
    ...(feedback ? { feedback } : {}),
    ...(transfer ? { transfer } : {}),
    ...(metered ? { metered } : {}),
    ...(revenue ? { revenue } : {}),
    changeTerms: { proposal, voters, termsReadBy },
    voteAfterDecision,
    late: { proposal: late, lateVote, closed, closeAfterSweep },
    exit: { mspId: leaver.mspId, requested, again, completed, proposeAfterExit },
  };
}
