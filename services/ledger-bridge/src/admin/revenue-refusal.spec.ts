import { ledgerRefusal } from './member-dao';

/** RecordRevenue by a member the terms do not name: the chaincode's named refusal, as the member bridge answers it. */
describe('a revenue recorder refusal through the member bridge', () => {
  it('answers 403 NOT_REVENUE_RECORDER, whether the message is the endorsement detail or the error itself', () => {
    const message = 'FORBIDDEN: NOT_REVENUE_RECORDER: VspOneMSP is not named by the terms to record revenue (terms.revenueRecorders)';
    for (const error of [Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { details: [{ message: `chaincode response 500, ${message}` }] }), new Error(message)]) {
      const refused = ledgerRefusal(error, 'dao-acme-v2');
      expect([refused.code, refused.status]).toEqual(['NOT_REVENUE_RECORDER', 403]);
      expect(refused.message).toContain('VspOneMSP is not named by the terms');
    }
  });
});
