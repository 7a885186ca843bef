import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { DAO, type LedgerCommand } from '@datawell/contracts';
import { endorsementDetails, isTransientEndorsementError } from '@datawell/fabric';
import { IdentityNotFoundError } from '../wallet/wallet.adapter';

/**
 * How to retry a failed submission, if at all:
 * - `new-proposal`: nothing reached the ledger (endorsement unavailable) or the ledger rejected the
 *   transaction for a read conflict; endorse again, which makes a new transaction id.
 * - `same-transaction`: the signed transaction may have reached the orderer (submit or commit-status
 *   unavailable); send or poll the same one again. A transaction id commits at most once, so this
 *   cannot apply the command twice, where a new proposal could.
 */
export type RetryMode = 'new-proposal' | 'same-transaction';

export interface SubmissionFailure {
  /** Absent: retrying cannot help (bad arguments, chaincode refusal, policy failure). */
  readonly retry?: RetryMode;
  /** Stable code for the receipt: the tx validation code or `<STAGE>_<GRPC_STATUS>`. */
  readonly code: string;
  readonly message: string;
  readonly transactionId?: string;
  /** The chaincode refused: its code (its message's `CODE: ` prefix) and the message after it. */
  readonly chaincode?: { readonly code: string; readonly message: string };
}

/**
 * A chaincode's refusal as an endorsing peer reports it: `chaincode response 500, FORBIDDEN: …`
 * (the chaincode's messages start with their stable code, chaincode/common/src/errors.ts).
 */
const CHAINCODE_REFUSAL = /chaincode response \d+, ([A-Z][A-Z0-9_]*): ([\s\S]*)$/;

/** The first endorser's chaincode refusal in a gateway error's details, if any. */
export function chaincodeRefusal(details: readonly { readonly message: string }[]): { code: string; message: string } | undefined {
  for (const detail of details) {
    const match = CHAINCODE_REFUSAL.exec(detail.message);
    if (match) return { code: match[1]!, message: match[2]!.trim() };
  }
  return undefined;
}

const VALIDATION_CODE_NAMES = new Map<number, string>(Object.entries(StatusCode).map(([name, code]) => [code as number, name]));
const RETRIED_VALIDATION_CODES = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);
const RETRIED_GRPC = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED]);
const STAGES: Record<string, { stage: string; retry: RetryMode }> = {
  EndorseError: { stage: 'ENDORSE', retry: 'new-proposal' },
  SubmitError: { stage: 'SUBMIT', retry: 'same-transaction' },
  CommitStatusError: { stage: 'COMMIT_STATUS', retry: 'same-transaction' },
};

/**
 * Classifies an error of fabric-gateway's submit path (EndorseError, SubmitError, CommitStatusError,
 * CommitError) or of the wallet. Anything else (e.g. PostgreSQL down) is not the command's failure:
 * undefined, and the caller lets it propagate so the command is redelivered.
 */
export function classifySubmissionError(error: unknown): SubmissionFailure | undefined {
  if (error instanceof IdentityNotFoundError) return { code: error.code, message: error.message };
  if (error instanceof CommitError) {
    const code = VALIDATION_CODE_NAMES.get(error.code) ?? `TX_VALIDATION_${String(error.code)}`;
    return {
      ...(RETRIED_VALIDATION_CODES.has(code) ? { retry: 'new-proposal' as const } : {}),
      code,
      message: error.message,
      transactionId: error.transactionId,
    };
  }
  if (error instanceof GatewayError) {
    const stage = STAGES[error.name] ?? { stage: 'GATEWAY', retry: 'new-proposal' as const };
    const grpcName = GrpcStatus[error.code] ?? String(error.code);
    // The chaincode's own message is in the details, one per endorsing peer.
    const details = endorsementDetails(error).filter((d) => !error.message.includes(d));
    const transactionId = (error as GatewayError & { transactionId?: string }).transactionId;
    const chaincode = chaincodeRefusal(error.details);
    return {
      ...(RETRIED_GRPC.has(error.code) || isTransientEndorsementError(error)
        ? { retry: stage.retry }
        : {}),
      code: `${stage.stage}_${grpcName}`,
      message: [error.message, ...details].join('; '),
      ...(transactionId ? { transactionId } : {}),
      ...(chaincode ? { chaincode } : {}),
    };
  }
  return undefined;
}

/**
 * A relay's source not found yet: AllocationReceived on CH_i reads its source allocation on CH_{i+1}
 * from each endorser's own copy (a cross-channel query), and the bridge relays an allocation it saw
 * committed on one peer, so an endorser a block behind answers NOT_FOUND. Endorsing again once it
 * has caught up succeeds; given up, the rest of a revenue would never reach CH_i. A relay whose
 * source really does not exist (none this bridge sends) fails once the retries end, with NOT_FOUND.
 */
export function awaitingSource(command: Pick<LedgerCommand, 'transaction'>, failure: SubmissionFailure): SubmissionFailure {
  if (failure.retry || command.transaction !== DAO.tx.AllocationReceived || failure.chaincode?.code !== 'NOT_FOUND') return failure;
  return { ...failure, retry: 'new-proposal' };
}
