import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import { MARKETPLACE } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { DaosService } from '../daos/daos.service';
import { forbidden, invalidRequest, MarketplaceError } from '../errors';
import { ledgerCommandMessage, newCommandId, onMarketplace } from '../ledger/commands';
import { ParticipantsService } from '../participants/participants.service';
import { Store } from '../store';
import { daoIdSchema, mspIdSchema, parseInput } from '../validation';

export const feedbackInputSchema = z.strictObject({
  daoId: daoIdSchema,
  target: mspIdSchema,
  score: z.number('must be a number').int('must be a whole number').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'),
  comment: z.string().trim().max(4096, 'must be at most 4096 characters').default(''),
});

/** Feedback between members of a DAO: the comment stays here, its digest and the score go to the ledger. */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly store: Store,
    private readonly participants: ParticipantsService,
    private readonly daos: DaosService,
  ) {}

  async submit(principal: Principal, body: unknown): Promise<{ commandId: string; status: 'submitted' }> {
    const input = parseInput(feedbackInputSchema, body, 'body');
    if (input.target === principal.mspId) throw invalidRequest('body.target: an organisation does not rate itself');
    await this.participants.activeParticipant(principal.mspId);
    const members = await this.daos.memberIds(input.daoId);
    if (!members.has(principal.mspId) || !members.has(input.target)) throw forbidden(`${principal.mspId} and ${input.target} do not share DAO ${input.daoId}`);
    const commentDigest = createHash('sha256').update(input.comment, 'utf8').digest('hex');
    const commandId = newCommandId(MARKETPLACE.tx.SubmitFeedback);
    await this.store.write(async (manager, send) => {
      const inserted = await this.store.query(
        `INSERT INTO ${this.store.t('feedback')} (dao_id, from_msp_id, target_msp_id, rating, comment, comment_digest, status, command_id)
         VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7)
         ON CONFLICT (dao_id, from_msp_id, target_msp_id) DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment,
           comment_digest = EXCLUDED.comment_digest, status = 'submitted', command_id = EXCLUDED.command_id, failure_code = NULL
         WHERE ${this.store.t('feedback')}.status = 'failed'
         RETURNING dao_id`,
        [input.daoId, principal.mspId, input.target, input.score, input.comment, commentDigest, commandId],
        manager,
      );
      if (inserted.length === 0) throw new MarketplaceError('FEEDBACK_EXISTS', `${principal.mspId} has already rated ${input.target} for DAO ${input.daoId}`);
      const argument = { daoId: input.daoId, target: input.target, rating: input.score, commentDigest };
      await send(ledgerCommandMessage(this.store.settings.topics.ledgerCommands, MARKETPLACE.command(MARKETPLACE.tx.SubmitFeedback, onMarketplace(commandId, principal.mspId), argument)));
    });
    return { commandId, status: 'submitted' };
  }

  /** FeedbackSubmitted: the feedback is recorded and the target's reputation is the ledger's. */
  async onFeedbackSubmitted(
    manager: EntityManager,
    payload: { feedback: { daoId: string; from: string; target: string }; reputation: { mspId: string; count: number; sum: number; scoreMilli: number } },
  ): Promise<void> {
    const f = payload.feedback;
    await this.store.query(
      `UPDATE ${this.store.t('feedback')} SET status = 'recorded' WHERE dao_id = $1 AND from_msp_id = $2 AND target_msp_id = $3`,
      [f.daoId, f.from, f.target],
      manager,
    );
    await this.participants.onReputation(manager, payload.reputation);
  }

  async onCommandFailed(manager: EntityManager, commandId: string, code: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('feedback')} SET status = 'failed', failure_code = $2 WHERE command_id = $1 AND status = 'submitted'`, [commandId, code], manager);
  }
}
