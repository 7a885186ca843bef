import { CommitError, type Gateway, type Transaction } from '@hyperledger/fabric-gateway';
import { isPrivateChaincode, privateProposal, unsealResponse } from '@datawell/fabric';
import type { LedgerCommand } from '@datawell/contracts';
import type { ConnectionLogger, WakeOutbox } from '@datawell/messaging';
import type { Gateways } from '../fabric/gateways.adapter';
import { TERMINAL, type OperationsRepository, type OperationStatus } from './operations.repository';
import { awaitingSource, classifySubmissionError } from './submission-errors';

export interface CommandServiceOptions {
  readonly operations: OperationsRepository;
  readonly gateways: Gateways;
  readonly logger: ConnectionLogger;
  /** Retries of a retryable failure before the operation fails (default 8: with the backoff doubling from 200 ms to 5 s, about 21 s, enough for discovery to catch up after a peer joins or gossip lags under load). */
  readonly maxRetries?: number;
  readonly initialBackoffMs?: number;
  /** Called after a receipt is written (the outbox relay's `notify`). */
  readonly wakeOutbox?: WakeOutbox;
  /** The only organisation it submits as (a member's own, or the operator's); a command naming another fails NOT_THIS_MEMBER. */
  readonly onlyAs?: string;
}

/**
 * Submits ledger commands: pending → submitted (tx id) → committed | failed (code, reason). A command
 * id that already ended is not submitted again; one left `submitted` by a crash is resumed by
 * resending the same signed transaction. Only read conflicts and unavailability are retried.
 */
export class CommandService {
  constructor(private readonly options: CommandServiceOptions) {}

  async handle(command: LedgerCommand): Promise<OperationStatus> {
    return this.options.operations.exclusively(command.commandId, () => this.#handle(command));
  }

  async #handle(command: LedgerCommand): Promise<OperationStatus> {
    const { operations, logger } = this.options;
    const operation = await operations.begin(command);
    if (TERMINAL.has(operation.status)) {
      logger.log({ message: 'command already handled; not submitted again', commandId: command.commandId, status: operation.status });
      return operation.status;
    }
    const { onlyAs } = this.options;
    if (onlyAs !== undefined && command.actingMspId !== onlyAs) {
      // A domain signs for itself only, whoever managed to write to its topic.
      await operations.finish({
        commandId: command.commandId,
        status: 'failed',
        transactionId: null,
        blockNumber: null,
        errorCode: 'NOT_THIS_MEMBER',
        errorMessage: `this bridge submits only as ${onlyAs}, not as ${command.actingMspId}`,
      });
      logger.warn({ message: 'refused a command for another organisation', commandId: command.commandId, actingMspId: command.actingMspId });
      this.options.wakeOutbox?.();
      return 'failed';
    }
    const maxRetries = this.options.maxRetries ?? 8;
    let backoff = this.options.initialBackoffMs ?? 200;
    let retries = 0;
    let attempt = operation.attempts;
    let gateway: Gateway | undefined;
    let transaction: Transaction | undefined;
    for (;;) {
      try {
        gateway ??= await this.options.gateways.for(command.actingMspId);
        if (!transaction && operation.status === 'submitted' && operation.preparedTransaction && attempt === operation.attempts) {
          transaction = gateway.newTransaction(operation.preparedTransaction);
        }
        if (!transaction) {
          attempt += 1;
          const contract = gateway.getNetwork(command.channel).getContract(command.chaincode);
          // A private chaincode's arguments travel in transient data with a fresh salt (@datawell/fabric private.ts).
          const parts = isPrivateChaincode(command.chaincode) ? privateProposal(command.arguments) : { arguments: command.arguments, transientData: {} };
          const transientData = { ...parts.transientData, ...(command.transient ? decodeTransient(command.transient) : {}) };
          const proposal = contract.newProposal(command.transaction, {
            arguments: parts.arguments,
            ...(Object.keys(transientData).length > 0 ? { transientData } : {}),
          });
          await operations.markAttempt(command.commandId, attempt);
          transaction = await proposal.endorse();
          await operations.markSubmitted(command.commandId, transaction.getTransactionId(), transaction.getBytes(), attempt);
        }
        const submitted = await transaction.submit();
        const status = await submitted.getStatus();
        if (!status.successful) {
          throw new CommitError({
            code: status.code,
            transactionId: status.transactionId,
            message: `transaction ${status.transactionId} failed to commit with status code ${status.code}`,
          });
        }
        await operations.finish({
          commandId: command.commandId,
          status: 'committed',
          transactionId: status.transactionId,
          blockNumber: status.blockNumber.toString(),
          result: await this.#committedResult(gateway, command, transaction),
        });
        this.options.wakeOutbox?.();
        return 'committed';
      } catch (error) {
        const classified = classifySubmissionError(error);
        if (!classified) throw error;
        const failure = awaitingSource(command, classified);
        if (!failure.retry || retries >= maxRetries) {
          const exhausted = failure.retry ? ` (gave up after ${retries + 1} tries)` : '';
          await operations.finish({
            commandId: command.commandId,
            status: 'failed',
            transactionId: failure.transactionId ?? transaction?.getTransactionId() ?? null,
            blockNumber: null,
            errorCode: failure.code,
            errorMessage: failure.message + exhausted,
            ...(failure.chaincode ? { chaincode: failure.chaincode } : {}),
          });
          logger.warn({ message: 'command failed', commandId: command.commandId, code: failure.code });
          this.options.wakeOutbox?.();
          return 'failed';
        }
        logger.warn({ message: 'retrying command', commandId: command.commandId, code: failure.code, retry: failure.retry, backoffMs: backoff });
        if (failure.retry === 'new-proposal') transaction = undefined;
        retries += 1;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /**
   * A committed transaction's response as the command's result: a private chaincode's sealed marker
   * read back from the organisation's own peer. The transaction is committed whatever that read
   * gives, so a failed read keeps the marker (GetTransaction names the way to the response) rather
   * than failing a command that took effect.
   */
  async #committedResult(gateway: Gateway, command: LedgerCommand, transaction: Transaction): Promise<string> {
    const result = transaction.getResult();
    if (!isPrivateChaincode(command.chaincode)) return Buffer.from(result).toString('utf8');
    try {
      return Buffer.from(await unsealResponse(gateway.getNetwork(command.channel), command.chaincode, result)).toString('utf8');
    } catch (error) {
      this.options.logger.warn({ message: 'committed; its private response could not be read back', commandId: command.commandId, error: String(error) });
      return Buffer.from(result).toString('utf8');
    }
  }
}

function decodeTransient(transient: Readonly<Record<string, string>>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(transient).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}
