import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import { ledgerCommandId, MARKETPLACE, type AbandonmentReportedPayload, type FeedbackSubmittedPayload } from '@datawell/contracts';
import { writeOutbox } from '@datawell/messaging';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { DaosService } from '../daos/daos.service';
import { forbidden, invalidRequest, MarketplaceError } from '../errors';
import type { CommandsService } from '../commands/commands.service';
import { ledgerCommandMessage, newCommandId, onMarketplace } from '../ledger/commands';
import { ParticipantsService } from '../participants/participants.service';
import { Store } from '../store';
import { daoIdSchema, mspIdSchema, parseInput } from '../validation';
import { FeedbackRepository } from './feedback.repository';

export const feedbackInputSchema = z.strictObject({
  daoId: daoIdSchema,
  target: mspIdSchema,
  score: z.number('must be a number').int('must be a whole number').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'),
  comment: z.string().trim().max(4096, 'must be at most 4096 characters').default('').describe('kept off-chain; its SHA-256 goes on the ledger'),
});

export const abandonmentReportInputSchema = z.strictObject({
  daoId: daoIdSchema,
  member: mspIdSchema.describe('the member the DAO channel recorded as abandoned (MemberAbandoned)'),
  channel: z.string().regex(/^dao-[a-z0-9][a-z0-9-]{0,40}-v[1-9]\d{0,3}$/, 'must be a DAO channel name dao-<d>-v<i>').describe('the DAO channel that recorded it'),
  daoTxId: z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'must be a transaction id (letters and digits)').describe('the transaction on that channel'),
});

/** Feedback between members of a DAO: the comment stays here, its digest and the score go to the ledger. */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly store: Store,
    private readonly repository: FeedbackRepository,
    private readonly participants: ParticipantsService,
    private readonly daos: DaosService,
    private readonly commands: CommandsService,
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
      const inserted = await this.repository.submit(manager, {
        daoId: input.daoId,
        from: principal.mspId,
        target: input.target,
        rating: input.score,
        comment: input.comment,
        commentDigest,
        commandId,
      });
      if (!inserted) throw new MarketplaceError('FEEDBACK_EXISTS', `${principal.mspId} has already rated ${input.target} for DAO ${input.daoId}`);
      const argument = { daoId: input.daoId, target: input.target, rating: input.score, commentDigest };
      await this.commands.issue(manager, send, principal, MARKETPLACE.command(MARKETPLACE.tx.SubmitFeedback, onMarketplace(commandId, principal.mspId), argument));
    });
    return { commandId, status: 'submitted' };
  }

  /**
   * A co-member carries an abandonment recorded on a DAO channel to the marketplace, where it counts
   * against the member's reputation (ReportAbandonment; the chaincode takes it once per DAO and member).
   */
  async reportAbandonment(principal: Principal, body: unknown): Promise<{ commandId: string; status: 'submitted' }> {
    const input = parseInput(abandonmentReportInputSchema, body, 'body');
    // Who may report comes first (403/404), then what only a member can get wrong (400).
    await this.participants.activeParticipant(principal.mspId);
    const members = await this.daos.memberIds(input.daoId);
    if (!members.has(principal.mspId) || !members.has(input.member)) throw forbidden(`${principal.mspId} and ${input.member} do not share DAO ${input.daoId}`);
    if (input.member === principal.mspId) throw invalidRequest('body.member: an organisation does not report itself');
    if (!input.channel.startsWith(`dao-${input.daoId}-v`)) throw invalidRequest(`body.channel: ${input.channel} is not a channel of DAO ${input.daoId}`);
    const commandId = newCommandId(MARKETPLACE.tx.ReportAbandonment);
    await this.store.write(async (manager, send) => {
      await this.commands.issue(manager, send, principal, MARKETPLACE.command(MARKETPLACE.tx.ReportAbandonment, onMarketplace(commandId, principal.mspId), input));
    });
    return { commandId, status: 'submitted' };
  }

  /**
   * `MemberAbandoned` on a DAO channel the operator's bridge relays (operator-held organisations):
   * carry it to the marketplace as `ReportAbandonment`, acting as a co-member the operator's bridge
   * signs for — the DSP that publishes the DAO's directory entry (another member if the DSP is the
   * one abandoned). Nothing when the DAO is not in the directory or the member is not in its latest
   * entry (the chaincode would refuse). Written to the outbox in the event's transaction; the command
   * id names the channel and member, so the bridge runs it once. True when a command was written.
   */
  async relayAbandonment(manager: EntityManager, a: { daoId: string; channel: string; member: string; daoTxId: string }): Promise<boolean> {
    let members: readonly string[];
    let publisher: string;
    try {
      const entry = await this.daos.directoryEntry(a.daoId);
      members = entry.versions.at(-1)?.members ?? [];
      publisher = entry.publishedBy;
    } catch (error) {
      if (error instanceof MarketplaceError && error.code === 'DAO_NOT_FOUND') return false;
      throw error;
    }
    if (!members.includes(a.member)) return false;
    const reporter = publisher !== a.member && members.includes(publisher) ? publisher : members.find((m) => m !== a.member);
    if (!reporter) return false;
    const commandId = ledgerCommandId('marketplace', MARKETPLACE.tx.ReportAbandonment, a.channel, a.member);
    const command = MARKETPLACE.command(MARKETPLACE.tx.ReportAbandonment, onMarketplace(commandId, reporter), a);
    await writeOutbox(manager, this.store.schema, [ledgerCommandMessage(this.store.settings.topics.ledgerCommands, command)]);
    return true;
  }

  /** FeedbackSubmitted: the feedback is recorded and the target's reputation is the ledger's. */
  async onFeedbackSubmitted(manager: EntityManager, payload: FeedbackSubmittedPayload): Promise<void> {
    await this.repository.recorded(manager, payload.feedback);
    await this.participants.onReputation(manager, payload.reputation, payload.feedback.atMs ?? 0);
  }

  /** AbandonmentReported: the member's reputation is the ledger's, with the abandonment counted. */
  async onAbandonmentReported(manager: EntityManager, payload: AbandonmentReportedPayload): Promise<void> {
    await this.participants.onReputation(manager, payload.reputation, payload.abandonment.atMs);
  }

  async onCommandFailed(manager: EntityManager, commandId: string, code: string): Promise<void> {
    await this.repository.failed(manager, commandId, code);
  }
}
