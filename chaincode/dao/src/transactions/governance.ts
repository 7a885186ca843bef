import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emit, notFound, txTimeMs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
import { checkInfrastructureMembers, checkTermsMembers, type InfrastructureSpec, type Terms } from '../agreement.validator';
import { decide } from '../governance';
import type { Choice, Proposal } from '../arguments';
import { DaoStore, type ProposalState, type VersionRecord, type VoteState } from '../state';

/** An active member proposes a change; votes are weighted by the agreement's ownership. */
export async function createProposal(ctx: Context, input: Proposal): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('create proposals');
  if (await store.get('proposal', input.proposalId)) throw conflict(`proposal ${input.proposalId} exists already`);
  const members = new Set(version.members);
  if (input.kind === 'change-terms') checkTermsMembers(input.payload, members, 'proposal.payload');
  if (input.kind === 'change-infrastructure') checkInfrastructureMembers(input.payload, members, 'proposal.payload');
  if (input.kind === 'admit-member' && members.has(input.payload.mspId)) throw conflict(`${input.payload.mspId} is already a member`);
  const proposal: ProposalState = {
    proposalId: input.proposalId,
    kind: input.kind,
    payload: input.payload ?? {},
    description: input.description,
    proposer: caller.mspId,
    createdAtMs: txTimeMs(ctx),
    status: 'open',
    yesPpm: 0,
    noPpm: 0,
  };
  await store.put(proposal, 'proposal', proposal.proposalId);
  emit(ctx, DAO.emitted(DAO.event.ProposalCreated, { proposalId: proposal.proposalId, kind: proposal.kind, payload: proposal.payload, description: proposal.description, proposer: caller.mspId }));
  return canonicalJson(proposal);
}

/**
 * An active member votes once with its ownership weight. The vote that decides the proposal
 * emits ProposalDecided (with the vote and the effect applied); any other emits VoteCast.
 */
export async function castVote(ctx: Context, id: string, vote: Choice): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('vote');
  const proposal = await store.get<ProposalState>('proposal', id);
  if (!proposal) throw notFound(`no proposal ${id}`);
  if (proposal.status !== 'open') throw conflict(`proposal ${id} is already ${proposal.status}`);
  if (await store.get('vote', id, caller.mspId)) throw conflict(`${caller.mspId} has already voted on proposal ${id}`);
  const now = txTimeMs(ctx);
  const record: VoteState = { proposalId: id, mspId: caller.mspId, choice: vote, weightPpm: caller.ownershipPpm, atMs: now };
  await store.put(record, 'vote', id, caller.mspId);
  const next: ProposalState = { ...proposal, yesPpm: proposal.yesPpm + (vote === 'yes' ? caller.ownershipPpm : 0), noPpm: proposal.noPpm + (vote === 'no' ? caller.ownershipPpm : 0) };
  const active = (await store.members()).filter((m) => m.status === 'active').reduce((s, m) => s + m.ownershipPpm, 0);
  next.status = decide(next.yesPpm, next.noPpm, active);
  const voteSummary = { mspId: caller.mspId, choice: vote, weightPpm: caller.ownershipPpm };
  if (next.status === 'open') {
    await store.put(next, 'proposal', id);
    emit(ctx, DAO.emitted(DAO.event.VoteCast, { proposalId: id, kind: proposal.kind, vote: voteSummary, yesPpm: next.yesPpm, noPpm: next.noPpm, activeOwnershipPpm: active }));
    return canonicalJson(next);
  }
  next.decidedAtMs = now;
  await store.put(next, 'proposal', id);
  const effect = next.status === 'accepted' ? await apply(store, version, next, now) : undefined;
  emit(ctx, DAO.emitted(DAO.event.ProposalDecided, { proposalId: id, kind: proposal.kind, outcome: next.status, vote: voteSummary, yesPpm: next.yesPpm, noPpm: next.noPpm, activeOwnershipPpm: active, effect }));
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
