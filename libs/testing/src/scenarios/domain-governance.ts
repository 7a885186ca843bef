import { split } from '@datawell/domain';
import { registerDomainParticipant, type DomainMember } from './domains';
import { ApiError, call, tokenAt, until, type Party } from './api';

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
   * Revenue the DSP records through its own bridge at the end; every member's entitlement (read
   * through the DSP's bridge, and each active member's own through its own) is compared with the
   * economics split of the version's final state (its β and the active members' weights).
   */
  readonly revenue?: bigint;
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
  /** The revenue the DSP recorded at the end, each member's entitlement on the ledger and what the economics split of the final state gives it. */
  readonly revenue?: { amount: string; txId: string; betaPpm: number; payouts: Record<string, string>; expected: Record<string, string>; ownReads: Record<string, string> };
}

type MemberView = { mspId: string; level: number; weight: number; status: string };

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
    progress(`${dsp.mspId} records revenue ${amount} through its own bridge`);
    const dspToken = await tokenAt(parties.get(dsp.mspId) as Party, dsp.bridgeUrl, timeoutMs);
    const recorded = await call<{ txId: string }>(`${dsp.bridgeUrl}/daos/${daoId}/revenue`, { method: 'POST', token: dspToken, body: { amount: amount.toString(), kind: 'use', revenueId: `gov-rev-${daoId}` } });
    const state = await at<{ betaPpm: number; memberStates: MemberView[] }>(dsp, 'GET', '/state');
    const active = state.memberStates.filter((m) => m.status === 'active');
    const founding = active.filter((m) => m.level === 0);
    const joining = active.filter((m) => m.level === version);
    // What `./dev economics split` gives for this version's β and its active members' weights (the whole lump to D when J has left).
    const expected: Record<string, string> = {};
    if (joining.length > 0) {
      const s = split(amount, { levels: [{ betaPpm: state.betaPpm, weights: joining.map((m) => m.weight) }], dspWeights: founding.map((m) => m.weight) });
      founding.forEach((m, k) => (expected[m.mspId] = String(s.dspMembers[k])));
      joining.forEach((m, k) => (expected[m.mspId] = String(s.vspMembers[0]?.[k])));
    } else {
      const s = split(amount, { levels: [{ betaPpm: state.betaPpm }], dspWeights: founding.map((m) => m.weight) }, { ended: [1] });
      founding.forEach((m, k) => (expected[m.mspId] = String(s.dspMembers[k])));
    }
    const payouts = await until(
      `the revenue ${recorded.txId} in the entitlements`,
      async () => {
        const list = await at<Array<{ mspId: string; amount: string }>>(dsp, 'GET', '/entitlements');
        const sum = list.reduce((a, e) => a + BigInt(e.amount), 0n);
        return sum === amount ? Object.fromEntries(list.filter((e) => e.amount !== '0').map((e) => [e.mspId, e.amount])) : undefined;
      },
      timeoutMs,
      1000,
    );
    const ownReads: Record<string, string> = {};
    for (const m of opts.members.filter((x) => active.some((a) => a.mspId === x.mspId))) {
      const own = await at<Array<{ mspId: string; amount: string }>>(m, 'GET', '/entitlements');
      ownReads[m.mspId] = own.find((e) => e.mspId === m.mspId)?.amount ?? '0';
    }
    revenue = { amount: amount.toString(), txId: recorded.txId, betaPpm: state.betaPpm, payouts, expected, ownReads };
  }

  return {
    ...(admissionResult ? { admission: admissionResult } : {}),
    ...(feedback ? { feedback } : {}),
    ...(transfer ? { transfer } : {}),
    ...(revenue ? { revenue } : {}),
    changeTerms: { proposal, voters, termsReadBy },
    voteAfterDecision,
    late: { proposal: late, lateVote, closed, closeAfterSweep },
    exit: { mspId: leaver.mspId, requested, again, completed, proposeAfterExit },
  };
}
