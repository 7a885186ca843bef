import { ApiError, member, unwrap } from './client';
import type { components } from './member.gen';

/*
 * A DAO version's governance through the member's OWN domain's ledger bridge (member mode), with its
 * typed client (member.gen.ts): the proposals with their ownership-weighted tally as the dao
 * chaincode keeps it, the member's proposals, votes and voluntary exit, each a transaction signed by
 * the member's organisation on its own peer. The bridge documents these answers as the chaincode's
 * JSON without a schema, so the fields the page shows are checked here (no cast).
 */

/** What CreateProposal takes through the bridge (the generated request body). */
export type ProposalRequest = components['schemas']['MemberProposal'];
export type TermsPayload = Extract<ProposalRequest, { kind: 'change-terms' }>['payload'];
export type ProposalKind = ProposalRequest['kind'];
export type Choice = components['schemas']['MemberVote']['choice'];

export interface Vote {
  mspId: string;
  choice: Choice;
  weightPpm: number;
}

/** A proposal as GetProposal reads it: the tally in ppm of ownership, the deadline in transaction time. */
export interface Proposal {
  proposalId: string;
  kind: ProposalKind;
  proposer: string;
  status: string;
  yesPpm: number;
  noPpm: number;
  createdAtMs?: number;
  votingEndsAtMs?: number;
  quorumPpm?: number;
  decidedAtMs?: number;
  description?: string;
  payload: unknown;
  votes: Vote[];
}

/** A member after RequestExit, as GetMember reads it. */
export interface ExitedMember {
  mspId: string;
  status: string;
  exitRequestedAtMs?: number;
  exitEffectiveAtMs?: number;
}

const KINDS: readonly ProposalKind[] = ['change-terms', 'admit-member', 'change-infrastructure', 'dissolve'];

const unexpected = (what: string) => new ApiError(502, 'UNEXPECTED_ANSWER', what);
const record = (v: unknown, what: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw unexpected(`${what} is not an object`);
  return v as Record<string, unknown>;
};
const text = (o: Record<string, unknown>, key: string, what: string): string => {
  const v = o[key];
  if (typeof v !== 'string') throw unexpected(`${what}.${key} is not a string`);
  return v;
};
const num = (o: Record<string, unknown>, key: string, what: string): number => {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw unexpected(`${what}.${key} is not a number`);
  return v;
};
/** An optional number: absent is fine, anything else than a number is not. */
const optNum = (o: Record<string, unknown>, key: string, what: string): { [k: string]: number } => (o[key] === undefined ? {} : { [key]: num(o, key, what) });

export function parseProposal(answer: unknown): Proposal {
  const p = record(answer, 'the proposal');
  const kind = text(p, 'kind', 'proposal');
  if (!(KINDS as readonly string[]).includes(kind)) throw unexpected(`proposal.kind ${kind} is not a kind of proposal`);
  const votes = p['votes'];
  if (!Array.isArray(votes)) throw unexpected('the proposal has no votes list');
  return {
    proposalId: text(p, 'proposalId', 'proposal'),
    kind: kind as ProposalKind,
    proposer: text(p, 'proposer', 'proposal'),
    status: text(p, 'status', 'proposal'),
    yesPpm: num(p, 'yesPpm', 'proposal'),
    noPpm: num(p, 'noPpm', 'proposal'),
    ...optNum(p, 'createdAtMs', 'proposal'),
    ...optNum(p, 'votingEndsAtMs', 'proposal'),
    ...optNum(p, 'quorumPpm', 'proposal'),
    ...optNum(p, 'decidedAtMs', 'proposal'),
    ...(typeof p['description'] === 'string' ? { description: p['description'] } : {}),
    payload: p['payload'],
    votes: votes.map((v: unknown) => {
      const o = record(v, 'a vote');
      const choice = text(o, 'choice', 'vote');
      if (choice !== 'yes' && choice !== 'no') throw unexpected(`vote.choice ${choice} is not yes or no`);
      return { mspId: text(o, 'mspId', 'vote'), choice, weightPpm: num(o, 'weightPpm', 'vote') };
    }),
  };
}

export function parseProposals(answer: unknown): Proposal[] {
  if (!Array.isArray(answer)) throw unexpected('the proposals are not a list');
  return answer.map(parseProposal);
}

export function parseExitedMember(answer: unknown): ExitedMember {
  const m = record(answer, 'the member');
  return { mspId: text(m, 'mspId', 'member'), status: text(m, 'status', 'member'), ...optNum(m, 'exitRequestedAtMs', 'member'), ...optNum(m, 'exitEffectiveAtMs', 'member') };
}

/**
 * The version's terms as GetVersion reads them, checked to be what a change-terms proposal sends back
 * (the chaincode validates them again): the required fields with their types, the optional ones kept
 * when present.
 */
export function parseTerms(answer: unknown): TermsPayload {
  const t = record(answer, 'the terms');
  const model = text(t, 'businessModel', 'terms');
  if (model !== 'pay-per-use' && model !== 'subscription') throw unexpected(`terms.businessModel ${model} is not a business model`);
  const computations = t['computations'];
  if (!Array.isArray(computations)) throw unexpected('terms.computations is not a list');
  const recorders = t['revenueRecorders'];
  const price = t['price'];
  return {
    durationDays: num(t, 'durationDays', 'terms'),
    businessModel: model,
    heartbeatIntervalSeconds: num(t, 'heartbeatIntervalSeconds', 'terms'),
    abandonAfterSeconds: num(t, 'abandonAfterSeconds', 'terms'),
    exitNoticeSeconds: num(t, 'exitNoticeSeconds', 'terms'),
    computations: computations.map((c: unknown) => {
      const o = record(c, 'a computation');
      const recipients = o['resultRecipients'];
      if (!Array.isArray(recipients) || !recipients.every((r): r is string => typeof r === 'string')) throw unexpected('computation.resultRecipients is not a list of MSP ids');
      return { name: text(o, 'name', 'computation'), resultRecipients: recipients };
    }),
    ...optNum(t, 'votingPeriodSeconds', 'terms'),
    ...optNum(t, 'quorumPpm', 'terms'),
    ...(Array.isArray(recorders) && recorders.every((r): r is string => typeof r === 'string') ? { revenueRecorders: recorders } : {}),
    ...(price !== undefined ? { price: parsePrice(price) } : {}),
  };
}

function parsePrice(answer: unknown): NonNullable<TermsPayload['price']> {
  const p = record(answer, 'the price');
  const perPeriod = p['perPeriod'];
  return {
    currency: text(p, 'currency', 'price'),
    ...(typeof p['perComputation'] === 'string' ? { perComputation: p['perComputation'] } : {}),
    ...(perPeriod !== undefined
      ? (() => {
          const o = record(perPeriod, 'price.perPeriod');
          return { perPeriod: { amount: text(o, 'amount', 'price.perPeriod'), periodSeconds: num(o, 'periodSeconds', 'price.perPeriod') } };
        })()
      : {}),
  };
}

/** What the form of a new proposal holds (texts as typed). */
export interface ProposalForm {
  kind: 'change-terms' | 'admit-member' | 'dissolve';
  description: string;
  /** change-terms: the fields the form edits, the rest kept from the current terms. */
  votingPeriodSeconds: string;
  quorumPercent: string;
  exitNoticeSeconds: string;
  durationDays: string;
  /** admit-member. */
  mspId: string;
  role: 'DSP' | 'VSP';
  name: string;
}

export function formFromTerms(terms: TermsPayload | undefined): ProposalForm {
  return {
    kind: 'change-terms',
    description: '',
    votingPeriodSeconds: terms?.votingPeriodSeconds !== undefined ? String(terms.votingPeriodSeconds) : '',
    quorumPercent: terms?.quorumPpm !== undefined ? String(terms.quorumPpm / 10_000) : '',
    exitNoticeSeconds: terms ? String(terms.exitNoticeSeconds) : '0',
    durationDays: terms ? String(terms.durationDays) : '',
    mspId: '',
    role: 'VSP',
    name: '',
  };
}

/** A whole number from a field, or an error naming the field. */
function whole(value: string, label: string, min: number): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new Error(`${label}: a whole number from ${min}`);
  return n;
}

/**
 * The CreateProposal body the form describes: a change of terms is the current terms with the edited
 * fields (the chaincode takes the whole terms), quorum typed in percent and sent in ppm; empty
 * optional fields are left as the terms had them. Throws with the field's label on bad input.
 */
export function proposalBody(form: ProposalForm, terms: TermsPayload | undefined): ProposalRequest {
  const description = form.description.trim() ? { description: form.description.trim() } : {};
  if (form.kind === 'dissolve') return { kind: 'dissolve', ...description };
  if (form.kind === 'admit-member') {
    if (!/^[A-Za-z][A-Za-z0-9]*MSP$/.test(form.mspId.trim())) throw new Error('MSP id: letters and digits ending in "MSP"');
    if (!form.name.trim()) throw new Error('Name: required');
    return { kind: 'admit-member', payload: { mspId: form.mspId.trim(), role: form.role, name: form.name.trim() }, ...description };
  }
  if (!terms) throw new Error('the current terms are not known yet');
  const quorum = form.quorumPercent.trim();
  const percent = Number(quorum);
  if (quorum && (!Number.isFinite(percent) || percent < 0 || percent > 100)) throw new Error('Quorum: a percentage from 0 to 100');
  return {
    kind: 'change-terms',
    payload: {
      ...terms,
      durationDays: whole(form.durationDays, 'Duration', 1),
      exitNoticeSeconds: whole(form.exitNoticeSeconds, 'Exit notice', 0),
      ...(form.votingPeriodSeconds.trim() ? { votingPeriodSeconds: whole(form.votingPeriodSeconds, 'Voting period', 1) } : {}),
      ...(quorum ? { quorumPpm: Math.round(percent * 10_000) } : {}),
    },
    ...description,
  };
}

/** The member's own vote on a proposal, if it voted. */
export const myVote = (p: Proposal, mspId: string): Vote | undefined => p.votes.find((v) => v.mspId === mspId);

/** A time in transaction time (ms), as the page prints it: UTC, to the second. */
export const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

const path = (daoId: string, version: number) => ({ daoId, version: String(version) });

export const governanceApi = {
  list: async (daoId: string, version: number) => parseProposals(unwrap(await member.GET('/daos/{daoId}/versions/{version}/proposals', { params: { path: path(daoId, version) } }))),
  propose: async (daoId: string, version: number, body: ProposalRequest) => {
    const answer = record(unwrap(await member.POST('/daos/{daoId}/versions/{version}/proposals', { params: { path: path(daoId, version) }, body })), 'the answer');
    return { txId: text(answer, 'txId', 'answer'), proposal: parseProposal(answer['proposal']) };
  },
  vote: async (daoId: string, version: number, proposalId: string, choice: Choice) => {
    const answer = record(unwrap(await member.POST('/daos/{daoId}/versions/{version}/proposals/{proposalId}/votes', { params: { path: { ...path(daoId, version), proposalId } }, body: { choice } })), 'the answer');
    return { txId: text(answer, 'txId', 'answer'), proposal: parseProposal(answer['proposal']) };
  },
  exit: async (daoId: string, version: number) => {
    const answer = record(unwrap(await member.POST('/daos/{daoId}/versions/{version}/exit', { params: { path: path(daoId, version) }, body: {} })), 'the answer');
    return { txId: text(answer, 'txId', 'answer'), member: parseExitedMember(answer['member']) };
  },
};
