import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Principal } from '@datawell/auth';
import { DAO_ID_PATTERN, MARKETPLACE, MARKETPLACE_CHANNEL, MSP_ID_PATTERN } from '@datawell/contracts';
import { AdminError } from '../admin/admin.errors';
import { ledgerRefusal, ownOrganisationOnly, type MemberLedger } from '../admin/member-dao';

/** A rating of a co-member, given through the rater's own bridge; the comment stays here, its digest goes on the ledger. */
export const memberFeedbackSchema = z.strictObject({
  daoId: z.string().regex(DAO_ID_PATTERN, 'must be a DAO id').describe('a DAO both organisations are members of, as the public directory lists it'),
  target: z.string().regex(MSP_ID_PATTERN, 'must be an MSP id').describe('the organisation rated'),
  score: z.number().int('must be a whole number').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5').describe('1 (worst) to 5 (best)'),
  comment: z.string().max(2000, 'at most 2000 characters').default('').describe('kept off the ledger: only its SHA-256 is recorded'),
});

export interface MemberFeedbackView {
  readonly daoId: string;
  readonly from: string;
  readonly target: string;
  readonly score: number;
  readonly commentDigest: string;
  readonly txId: string;
  /** The target's reputation as the chaincode updated it in the same transaction. */
  readonly reputation: Record<string, unknown>;
}

/**
 * Feedback as the member itself: SubmitFeedback on the marketplace channel, signed by the member's
 * identity in its own domain and endorsed through its own peer. The operator's marketplace service
 * cannot do this for an organisation of a domain (it holds none of its keys); it learns the new
 * reputation from the chaincode's FeedbackSubmitted event, as for every rating.
 */
export class MemberFeedback {
  constructor(private readonly ledger: MemberLedger) {}

  async submitFor(principal: Principal, body: unknown): Promise<MemberFeedbackView> {
    ownOrganisationOnly(this.ledger.mspId, principal);
    const parsed = memberFeedbackSchema.safeParse(body ?? {});
    if (!parsed.success) throw new AdminError('INVALID_REQUEST', parsed.error.issues.map((i) => `body${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; '));
    const input = parsed.data;
    if (input.target === this.ledger.mspId) throw new AdminError('INVALID_REQUEST', 'body.target: an organisation does not rate itself');
    const commentDigest = createHash('sha256').update(input.comment, 'utf8').digest('hex');
    const call = MARKETPLACE.invocation(MARKETPLACE.tx.SubmitFeedback, { daoId: input.daoId, target: input.target, rating: input.score, commentDigest });
    let result: { txId: string };
    try {
      result = await this.ledger.submit(MARKETPLACE_CHANNEL, call.chaincode, call.transaction, call.arguments);
    } catch (error) {
      throw ledgerRefusal(error, MARKETPLACE_CHANNEL, {
        CONFLICT: (message) => new AdminError('FEEDBACK_EXISTS', message),
        FORBIDDEN: (message) => new AdminError('NOT_CO_MEMBERS', message),
        NOT_FOUND: (message) => new AdminError('NOT_CO_MEMBERS', message),
      });
    }
    const get = MARKETPLACE.invocation(MARKETPLACE.tx.GetReputation, input.target);
    const reputation = JSON.parse(await this.ledger.evaluate(this.ledger.mspId, MARKETPLACE_CHANNEL, get.chaincode, get.transaction, get.arguments)) as Record<string, unknown>;
    return { daoId: input.daoId, from: this.ledger.mspId, target: input.target, score: input.score, commentDigest, txId: result.txId, reputation };
  }
}
