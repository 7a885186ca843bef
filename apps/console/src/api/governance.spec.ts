import { ApiError } from './client';
import { formFromTerms, myVote, parseExitedMember, parseProposal, parseProposals, parseTerms, proposalBody, utc } from './governance';

const TERMS = { durationDays: 365, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 30, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [{ name: 'mean', resultRecipients: ['BVspMSP'] }], votingPeriodSeconds: 3600, quorumPpm: 500_000 };
const proposal = {
  proposalId: 'p1',
  kind: 'change-terms',
  payload: TERMS,
  proposer: 'ADspMSP',
  createdAtMs: 1,
  votingEndsAtMs: 3_600_001,
  quorumPpm: 500_000,
  status: 'open',
  yesPpm: 200_000,
  noPpm: 0,
  votes: [{ proposalId: 'p1', mspId: 'BVspMSP', choice: 'yes', weightPpm: 200_000, atMs: 2 }],
};

describe("the member bridge's governance answers", () => {
  it('keeps what the page shows of GetProposal, the tally and votes as the chaincode weighs them', () => {
    const p = parseProposal(proposal);
    expect(p).toMatchObject({ proposalId: 'p1', kind: 'change-terms', proposer: 'ADspMSP', status: 'open', yesPpm: 200_000, noPpm: 0, votingEndsAtMs: 3_600_001, quorumPpm: 500_000 });
    expect(p.votes).toEqual([{ mspId: 'BVspMSP', choice: 'yes', weightPpm: 200_000 }]);
    expect(myVote(p, 'BVspMSP')?.choice).toBe('yes');
    expect(myVote(p, 'ADspMSP')).toBeUndefined();
    // A proposal stored before voting periods existed has no deadline.
    expect(parseProposal({ ...proposal, votingEndsAtMs: undefined, quorumPpm: undefined }).votingEndsAtMs).toBeUndefined();
    expect(parseProposals([proposal, { ...proposal, proposalId: 'p2' }]).map((x) => x.proposalId)).toEqual(['p1', 'p2']);
  });

  it('refuses answers without those fields (an error on the page, not a cast)', () => {
    expect(() => parseProposal({ ...proposal, yesPpm: '200000' })).toThrow(ApiError);
    expect(() => parseProposal({ ...proposal, kind: 'coup' })).toThrow('not a kind');
    expect(() => parseProposal({ ...proposal, votes: [{ mspId: 'X', choice: 'maybe', weightPpm: 1 }] })).toThrow('yes or no');
    expect(() => parseProposal({ ...proposal, votingEndsAtMs: 'soon' })).toThrow('votingEndsAtMs');
    expect(() => parseProposals({ p1: proposal })).toThrow('not a list');
    expect(parseExitedMember({ mspId: 'BVspMSP', status: 'active', exitRequestedAtMs: 5, exitEffectiveAtMs: 120_005 })).toEqual({ mspId: 'BVspMSP', status: 'active', exitRequestedAtMs: 5, exitEffectiveAtMs: 120_005 });
  });

  it('reads the terms a change of terms starts from', () => {
    expect(parseTerms(TERMS)).toEqual(TERMS);
    const priced = { ...TERMS, businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 2_592_000 } }, revenueRecorders: ['ADspMSP'] };
    expect(parseTerms(priced)).toEqual(priced);
    expect(() => parseTerms({ ...TERMS, businessModel: 'barter' })).toThrow('business model');
    expect(() => parseTerms({ ...TERMS, exitNoticeSeconds: undefined })).toThrow('exitNoticeSeconds');
  });
});

describe('the new proposal form', () => {
  const terms = parseTerms(TERMS);

  it('starts from the current terms and sends the whole terms with the edited fields, quorum percent as ppm', () => {
    const form = formFromTerms(terms);
    expect(form).toMatchObject({ kind: 'change-terms', votingPeriodSeconds: '3600', quorumPercent: '50', exitNoticeSeconds: '0', durationDays: '365' });
    expect(proposalBody({ ...form, exitNoticeSeconds: '120', quorumPercent: '66.5', description: '  longer notice ' }, terms)).toEqual({
      kind: 'change-terms',
      payload: { ...TERMS, exitNoticeSeconds: 120, quorumPpm: 665_000 },
      description: 'longer notice',
    });
    // Terms without a voting period or quorum: left empty, left out.
    const bare = parseTerms({ ...TERMS, votingPeriodSeconds: undefined, quorumPpm: undefined });
    expect(proposalBody(formFromTerms(bare), bare)).toEqual({ kind: 'change-terms', payload: bare });
  });

  it('admits a member and dissolves', () => {
    const form = formFromTerms(terms);
    expect(proposalBody({ ...form, kind: 'admit-member', mspId: ' CVspMSP ', name: 'C', role: 'VSP' }, terms)).toEqual({ kind: 'admit-member', payload: { mspId: 'CVspMSP', role: 'VSP', name: 'C' } });
    expect(proposalBody({ ...form, kind: 'dissolve', description: 'done' }, terms)).toEqual({ kind: 'dissolve', description: 'done' });
  });

  it('names the field of a bad value before anything is sent', () => {
    const form = formFromTerms(terms);
    expect(() => proposalBody({ ...form, exitNoticeSeconds: '-1' }, terms)).toThrow('Exit notice');
    expect(() => proposalBody({ ...form, votingPeriodSeconds: '1.5' }, terms)).toThrow('Voting period');
    expect(() => proposalBody({ ...form, quorumPercent: '101' }, terms)).toThrow('Quorum');
    expect(() => proposalBody({ ...form, durationDays: '' }, terms)).toThrow('Duration');
    expect(() => proposalBody({ ...form, kind: 'admit-member', mspId: 'nobody', name: 'N' }, terms)).toThrow('MSP id');
    expect(() => proposalBody({ ...form, kind: 'admit-member', mspId: 'CVspMSP', name: ' ' }, terms)).toThrow('Name');
    expect(() => proposalBody(form, undefined)).toThrow('terms are not known');
  });

  it('prints transaction times in UTC to the second', () => {
    expect(utc(Date.UTC(2026, 11, 3, 10, 5, 7, 999))).toBe('2026-12-03 10:05:07 UTC');
  });
});
