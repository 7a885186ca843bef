import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Store } from '../store';

/** Feedback between members of a DAO (`feedback`): the comment kept here, its status as the ledger tells it. */
@Injectable()
export class FeedbackRepository {
  constructor(private readonly store: Store) {}

  /** New feedback, or a retry of a failed one; false when this rater has rated this target for this DAO. */
  async submit(
    manager: EntityManager,
    f: { daoId: string; from: string; target: string; rating: number; comment: string; commentDigest: string; commandId: string },
  ): Promise<boolean> {
    const t = this.store.t('feedback');
    const inserted = await this.store.query(
      `INSERT INTO ${t} (dao_id, from_msp_id, target_msp_id, rating, comment, comment_digest, status, command_id)
       VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7)
       ON CONFLICT (dao_id, from_msp_id, target_msp_id) DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment,
         comment_digest = EXCLUDED.comment_digest, status = 'submitted', command_id = EXCLUDED.command_id, failure_code = NULL
       WHERE ${t}.status = 'failed'
       RETURNING dao_id`,
      [f.daoId, f.from, f.target, f.rating, f.comment, f.commentDigest, f.commandId],
      manager,
    );
    return inserted.length > 0;
  }

  async recorded(manager: EntityManager, f: { daoId: string; from: string; target: string }): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('feedback')} SET status = 'recorded' WHERE dao_id = $1 AND from_msp_id = $2 AND target_msp_id = $3`, [f.daoId, f.from, f.target], manager);
  }

  async failed(manager: EntityManager, commandId: string, code: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('feedback')} SET status = 'failed', failure_code = $2 WHERE command_id = $1 AND status = 'submitted'`, [commandId, code], manager);
  }
}
