import { EventEmitter } from 'node:events';
import type { Principal } from '@datawell/auth';
import type { LedgerCommand, LedgerReceipt } from '@datawell/contracts';
import type { OutboxMessage } from '@datawell/messaging';
import { Observable } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { MarketplaceError } from '../errors';
import { ledgerCommandMessage } from '../ledger/commands';
import type { Store } from '../store';
import { parseInput } from '../validation';
import type { CommandRow, CommandsRepository } from './commands.repository';

/** A ledger command's outcome as its issuer sees it. */
export interface CommandView {
  commandId: string;
  /** The chaincode transaction: SubmitFeedback, PostOffer, UpdateOffer, WithdrawOffer, RecordRevenue. */
  action: string;
  status: 'pending' | 'committed' | 'failed';
  /** The Fabric transaction id (committed; failed once a transaction was endorsed). */
  txId?: string;
  blockNumber?: string;
  /** failed: the chaincode's own code (NOT_FOUND, FORBIDDEN, CONFLICT, INVALID_ARGUMENT) when it refused, else the bridge's (ledgerCode). */
  code?: string;
  /** failed: the chaincode's message (without its code), else the bridge's. */
  message?: string;
  /** failed: the bridge's code for where it failed (ENDORSE_ABORTED, MVCC_READ_CONFLICT, …). */
  ledgerCode?: string;
  createdAt: string;
  updatedAt: string;
}

/** A server-sent event of GET /commands/:commandId/events (Nest's MessageEvent shape). */
export interface CommandEvent {
  type: 'command';
  id: string;
  data: CommandView;
}

export const TERMINAL_STATUSES: ReadonlySet<CommandView['status']> = new Set(['committed', 'failed']);

export const commandIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be 1-200 letters, digits, ".", "_", ":" or "-"');

export interface CommandsServiceOptions {
  /** How often a follower re-reads a pending command (a receipt consumed by another replica); default 1000 ms. */
  readonly pollIntervalMs?: number;
}

/**
 * The ledger commands the marketplace sends for its callers: each written with its caller's identity
 * in the same transaction as the command (outbox), ended by the bridge's receipt (inbox), and
 * readable, or followed to its end, by that identity only; to anyone else it does not exist.
 */
export class CommandsService {
  readonly #changes = new EventEmitter().setMaxListeners(0);
  readonly #pollIntervalMs: number;

  constructor(
    private readonly store: Store,
    private readonly repository: CommandsRepository,
    options: CommandsServiceOptions = {},
  ) {
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  /** Records the command as the principal's and sends it, in the caller's transaction. */
  async issue(manager: EntityManager, send: (...messages: OutboxMessage[]) => Promise<void>, principal: Principal, command: LedgerCommand): Promise<string> {
    await this.repository.issued(manager, { commandId: command.commandId, action: command.transaction, mspId: principal.mspId, enrollmentId: principal.enrollmentId });
    await send(ledgerCommandMessage(this.store.settings.topics.ledgerCommands, command));
    return command.commandId;
  }

  async view(principal: Principal, commandIdParam: string): Promise<CommandView> {
    const commandId = parseInput(commandIdSchema, commandIdParam, 'commandId');
    const row = await this.repository.get(commandId);
    // Another identity's command answers exactly as an unknown one.
    if (!row || row.issuer_msp_id !== principal.mspId || row.issuer_enrollment_id !== principal.enrollmentId) {
      throw new MarketplaceError('COMMAND_NOT_FOUND', `no command ${commandId} of this identity`);
    }
    return commandView(row);
  }

  /**
   * The command's states as server-sent events, from the current one, ending after committed or
   * failed. Refused (COMMAND_NOT_FOUND) before the stream starts, as GET /commands/:commandId.
   */
  async follow(principal: Principal, commandIdParam: string): Promise<Observable<CommandEvent>> {
    const first = await this.view(principal, commandIdParam);
    return new Observable<CommandEvent>((subscriber) => {
      let last = first;
      let reading = false;
      let closed = false;
      const emit = (view: CommandView) => {
        subscriber.next({ type: 'command', id: `${view.commandId}:${view.status}`, data: view });
        if (TERMINAL_STATUSES.has(view.status)) subscriber.complete();
      };
      const reread = async () => {
        if (reading || closed) return;
        reading = true;
        try {
          const view = await this.view(principal, first.commandId);
          if (!closed && view.status !== last.status) {
            last = view;
            emit(view);
          }
        } catch (error) {
          if (!closed) subscriber.error(error);
        } finally {
          reading = false;
        }
      };
      const onChange = () => void reread();
      emit(first);
      if (TERMINAL_STATUSES.has(first.status)) return undefined;
      this.#changes.on(first.commandId, onChange);
      // Not a reason to keep the process alive: the server (or a test) is.
      const timer = setInterval(onChange, this.#pollIntervalMs).unref();
      // A receipt may have been consumed between the first read and the subscription.
      void reread();
      return () => {
        closed = true;
        clearInterval(timer);
        this.#changes.off(first.commandId, onChange);
      };
    });
  }

  /** A receipt of one of our commands; true when it ended a pending command (then `changed` after commit). */
  async onReceipt(manager: EntityManager, receipt: LedgerReceipt): Promise<boolean> {
    return this.repository.ended(manager, receipt);
  }

  /** Wakes this process's followers of the command (after the receipt's transaction committed). */
  changed(commandId: string): void {
    this.#changes.emit(commandId);
  }
}

export function commandView(row: CommandRow): CommandView {
  const failed = row.status === 'failed';
  return {
    commandId: row.command_id,
    action: row.action,
    status: row.status,
    ...(row.transaction_id ? { txId: row.transaction_id } : {}),
    ...(row.block_number !== null ? { blockNumber: String(row.block_number) } : {}),
    ...(failed ? { code: row.chaincode_code ?? row.error_code ?? 'UNKNOWN', message: row.message ?? '', ledgerCode: row.error_code ?? 'UNKNOWN' } : {}),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
