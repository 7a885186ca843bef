import 'reflect-metadata';
import { createHash } from 'node:crypto';
import type { Principal } from '@datawell/auth';
import type { MemberLedger } from '../admin/member-dao';
import { MemberFeedbackController } from './member-feedback.controller';

const principal = (mspId: string): Principal => ({ mspId, enrollmentId: 'alice', role: 'DSP', certificateFingerprint: 'ab' });

/** A chaincode refusal as the gateway reports it: the code first in the details. */
const refused = (text: string) => Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { details: [{ message: `chaincode response 500, ${text}` }] });

function controller(submit: MemberLedger['submit']) {
  const submitted: Array<{ channel: string; fn: string; args: readonly string[] }> = [];
  const ledger: MemberLedger = {
    mspId: 'AcmeMSP',
    evaluate: async (_mspId, channel, _cc, fn, args) => JSON.stringify({ mspId: args[0], count: 1, sum: 4, channel, fn }),
    submit: async (channel, chaincode, fn, args) => {
      submitted.push({ channel, fn, args });
      return submit(channel, chaincode, fn, args);
    },
    channels: async () => ['marketplace'],
  };
  return { submitted, c: new MemberFeedbackController(ledger) };
}

describe("feedback through a member's own bridge", () => {
  it('submits SubmitFeedback on the marketplace channel as the member, with the comment only as its SHA-256, and answers the transaction and the new reputation', async () => {
    const { submitted, c } = controller(async () => ({ txId: 'tx-1' }));
    const view = await c.submit(principal('AcmeMSP'), { daoId: 'dao1', target: 'VspMSP', score: 4, comment: 'kept its nodes up' });
    const digest = createHash('sha256').update('kept its nodes up').digest('hex');
    expect(submitted).toEqual([{ channel: 'marketplace', fn: 'SubmitFeedback', args: [JSON.stringify({ daoId: 'dao1', target: 'VspMSP', rating: 4, commentDigest: digest })] }]);
    expect(view).toMatchObject({ daoId: 'dao1', from: 'AcmeMSP', target: 'VspMSP', score: 4, commentDigest: digest, txId: 'tx-1', reputation: { mspId: 'VspMSP', fn: 'GetReputation', channel: 'marketplace' } });
    expect(JSON.stringify(submitted)).not.toContain('kept its nodes up');
  });

  it("refuses another organisation's identity, bad input and rating itself before the ledger is asked", async () => {
    const { submitted, c } = controller(async () => ({ txId: 'never' }));
    await expect(c.submit(principal('OtherMSP'), { daoId: 'dao1', target: 'VspMSP', score: 4 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.submit(principal('AcmeMSP'), { daoId: 'dao1', target: 'VspMSP', score: 6 })).rejects.toMatchObject({ code: 'INVALID_REQUEST', kind: 'invalid', message: 'body.score: must be 1 to 5' });
    await expect(c.submit(principal('AcmeMSP'), { daoId: 'dao1', target: 'VspMSP', score: 3, extra: 1 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.submit(principal('AcmeMSP'), { daoId: 'dao1', target: 'AcmeMSP', score: 3 })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'body.target: an organisation does not rate itself' });
    expect(submitted).toEqual([]);
  });

  it("maps the chaincode's refusals to stable codes: a second rating FEEDBACK_EXISTS (409), not sharing the DAO or a DAO not in the directory NOT_CO_MEMBERS (403)", async () => {
    const answers = [refused('CONFLICT: AcmeMSP has already rated VspMSP for DAO dao1'), refused('FORBIDDEN: AcmeMSP and VspMSP do not share DAO dao1'), refused('NOT_FOUND: no DAO dao9 in the directory')];
    const { c } = controller(async () => Promise.reject(answers.shift()));
    await expect(c.submit(principal('AcmeMSP'), { daoId: 'dao1', target: 'VspMSP', score: 4 })).rejects.toMatchObject({ code: 'FEEDBACK_EXISTS', kind: 'conflict' });
    await expect(c.submit(principal('AcmeMSP'), { daoId: 'dao1', target: 'VspMSP', score: 4 })).rejects.toMatchObject({ code: 'NOT_CO_MEMBERS', kind: 'forbidden' });
    await expect(c.submit(principal('AcmeMSP'), { daoId: 'dao9', target: 'VspMSP', score: 4 })).rejects.toMatchObject({ code: 'NOT_CO_MEMBERS', kind: 'forbidden' });
  });
});
