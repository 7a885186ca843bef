import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitPrivate, notFound, txTimeMs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
import { governanceTerms } from '@datawell/domain';
import { checkInfrastructureMembers, checkTermsMembers, type InfrastructureSpec, type Terms } from '../agreement.validator';
import { decide, decideAtDeadline, refused } from '../governance';
import type { Choice, Proposal } from '../arguments';
import { DaoStore, type ProposalState, type VersionRecord, type VoteState } from '../state';

/**
 * An active member proposes a change; votes are weighted by the agreement's ownership. The terms in
 * force now fix the proposal's voting period (its deadline, in transaction time) and quorum.
 */
export async function createProposal(ctx: Context, input: Proposal): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('create proposals');
  if (await store.get('proposal', input.proposalId)) throw conflict(refused('PROPOSAL_EXISTS', `proposal ${input.proposalId} exists already`));
  const members = new Set(version.members);
  if (input.kind === 'change-terms') checkTermsMembers(input.payload, members, 'proposal.payload');
  if (input.kind === 'change-infrastructure') checkInfrastructureMembers(input.payload, members, 'proposal.payload');
  if (input.kind === 'admit-member' && members.has(input.payload.mspId)) throw conflict(refused('ALREADY_A_MEMBER', `${input.payload.mspId} is already a member`));
  const now = txTimeMs(ctx);
  const { votingPeriodSeconds, quorumPpm } = governanceTerms(version.terms);
  const proposal: ProposalState = {
    proposalId: input.proposalId,
    kind: input.kind,
    payload: input.payload ?? {},
    description: input.description,
    proposer: caller.mspId,
    createdAtMs: now,
    votingEndsAtMs: now + votingPeriodSeconds * 1000,
    quorumPpm,
    status: 'open',
    yesPpm: 0,
    noPpm: 0,
  };
  await store.put(proposal, 'proposal', proposal.proposalId);
  emitPrivate(ctx, DAO.emitted(DAO.event.ProposalCreated, { proposalId: proposal.proposalId, kind: proposal.kind, payload: proposal.payload, description: proposal.description, proposer: caller.mspId, votingEndsAtMs: proposal.votingEndsAtMs, quorumPpm }));
  return canonicalJson(proposal);
}

/**
 * An active member votes once with its ownership weight, until the proposal's deadline (transaction
 * time: a vote whose transaction is later is refused, VOTING_CLOSED). The vote that decides the
 * proposal emits ProposalDecided (with the vote and the effect applied); any other emits VoteCast.
 */
export async function castVote(ctx: Context, id: string, vote: Choice): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('vote');
  // Past the deadline a vote is VOTING_CLOSED whatever became of the proposal meanwhile: the members'
  // bridges close an expired proposal on their own (their sweep), and a late voter should not get a
  // different answer depending on whether a sweep came first.
  const now = txTimeMs(ctx);
  const stored = await store.get<ProposalState>('proposal', id);
  if (stored && now > votingEndsAtMs(stored)) throw conflict(refused('VOTING_CLOSED', `voting on proposal ${id} closed at ${votingEndsAtMs(stored)} (now ${now})`));
  const proposal = await openProposal(store, id);
  if (await store.get('vote', id, caller.mspId)) throw conflict(refused('ALREADY_VOTED', `${caller.mspId} has already voted on proposal ${id}`));
  const record: VoteState = { proposalId: id, mspId: caller.mspId, choice: vote, weightPpm: caller.ownershipPpm, atMs: now };
  await store.put(record, 'vote', id, caller.mspId);
  const next: ProposalState = { ...proposal, yesPpm: proposal.yesPpm + (vote === 'yes' ? caller.ownershipPpm : 0), noPpm: proposal.noPpm + (vote === 'no' ? caller.ownershipPpm : 0) };
  const active = await activeOwnership(store);
  next.status = decide(next.yesPpm, next.noPpm, active, quorumOf(proposal));
  const voteSummary = { mspId: caller.mspId, choice: vote, weightPpm: caller.ownershipPpm };
  if (next.status === 'open') {
    await store.put(next, 'proposal', id);
    emitPrivate(ctx, DAO.emitted(DAO.event.VoteCast, { proposalId: id, kind: proposal.kind, vote: voteSummary, yesPpm: next.yesPpm, noPpm: next.noPpm, activeOwnershipPpm: active }));
    return canonicalJson(next);
  }
  return decided(ctx, store, version, next, now, active, { vote: voteSummary });
}

/**
 * Decides an open proposal whose voting period has ended, by the votes cast (decideAtDeadline):
 * expired when fewer than its quorum voted. Any active member may close it; before the deadline
 * it is VOTING_OPEN.
 */
export async function closeProposal(ctx: Context, id: string): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  await store.activeCaller('close proposals');
  const proposal = await openProposal(store, id);
  const now = txTimeMs(ctx);
  if (now <= votingEndsAtMs(proposal)) throw conflict(refused('VOTING_OPEN', `voting on proposal ${id} runs until ${votingEndsAtMs(proposal)} (now ${now})`));
  const active = await activeOwnership(store);
  const next: ProposalState = { ...proposal, status: decideAtDeadline(proposal.yesPpm, proposal.noPpm, active, quorumOf(proposal)) };
  return decided(ctx, store, version, next, now, active, { closedAtDeadline: true });
}

async function openProposal(store: DaoStore, id: string): Promise<ProposalState> {
  const proposal = await store.get<ProposalState>('proposal', id);
  if (!proposal) throw notFound(`no proposal ${id}`);
  if (proposal.status !== 'open') throw conflict(refused('PROPOSAL_DECIDED', `proposal ${id} is already ${proposal.status}`));
  return proposal;
}

const activeOwnership = async (store: DaoStore) => (await store.members()).filter((m) => m.status === 'active').reduce((s, m) => s + m.ownershipPpm, 0);

// Proposals stored before voting periods existed have neither field: no deadline, the default quorum.
const votingEndsAtMs = (p: ProposalState) => p.votingEndsAtMs ?? Number.MAX_SAFE_INTEGER;
const quorumOf = (p: ProposalState) => p.quorumPpm ?? governanceTerms({}).quorumPpm;

/** Records the decision, applies an accepted proposal's effect and emits ProposalDecided. */
async function decided(ctx: Context, store: DaoStore, version: VersionRecord, next: ProposalState, now: number, active: number, how: Record<string, unknown>): Promise<string> {
  next.decidedAtMs = now;
  await store.put(next, 'proposal', next.proposalId);
  const effect = next.status === 'accepted' ? await apply(store, version, next, now) : undefined;
  emitPrivate(ctx, DAO.emitted(DAO.event.ProposalDecided, { proposalId: next.proposalId, kind: next.kind, outcome: next.status as 'accepted' | 'rejected' | 'expired', ...how, yesPpm: next.yesPpm, noPpm: next.noPpm, activeOwnershipPpm: active, quorumPpm: quorumOf(next), effect }));
  return canonicalJson(next);
}

/** What an accepted proposal changes in this version; admitting a member is done by a new version. */
async function apply(store: DaoStore, version: VersionRecord, proposal: ProposalState, now: number): Promise<Record<string, unknown>> {
  switch (proposal.kind) {
    case 'change-terms':
      await store.putVersion({ ...version, terms: proposal.payload as Terms });
      return { terms: proposal.payload };
    case 'change-infrastructure': {
      const revision = version.infrastructureRevision + 1;
      await store.putVersion({ ...version, infrastructure: proposal.payload as InfrastructureSpec, infrastructureRevision: revision, infrastructureStatus: 'requested' });
      return { infrastructureRequested: { revision, spec: proposal.payload } };
    }
    case 'dissolve':
      await store.putVersion({ ...version, status: 'dissolved', dissolvedAtMs: now, dissolvedReason: `proposal ${proposal.proposalId}` });
      return { dissolved: true };
    case 'admit-member':
      return { admit: proposal.payload, nextChannel: `dao-${version.daoId}-v${version.version + 1}` };
  }
}

export async function getProposal(ctx: Context, id: string): Promise<string> {
  const store = new DaoStore(ctx);
  await store.version();
  await store.caller('read proposals');
  const proposal = await store.get<ProposalState>('proposal', id);
  if (!proposal) throw notFound(`no proposal ${id}`);
  return canonicalJson({ ...proposal, votes: await store.list<VoteState>('vote', id) });
}
