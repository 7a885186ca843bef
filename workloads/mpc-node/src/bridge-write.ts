import { setTimeout as sleep } from 'node:timers/promises';
import { parametersDigest, type UsageEntryInput } from '@datawell/contracts';
import type { ComputeOp, ComputeOpLedger } from '@datawell/mpc';

/*
 * What a node writes to its member's own bridge (a delivered result, a usage entry): the request's
 * part of the usage entry, and the retry of a bridge that does not answer or answers 5xx.
 */

/** The bridge did not take a write: `retryable` when it did not answer or answered 5xx; `code` its stable code (or UNREACHABLE, HTTP_<status>). */
export class BridgeWriteError extends Error {
  override readonly name: string = 'BridgeWriteError';
  constructor(
    readonly retryable: boolean,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WriteRetry {
  /** Attempts in all (each write has its default). */
  readonly attempts?: number;
  /** The wait before the second attempt, doubled each time (default 1 s). */
  readonly firstDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Runs `write` until it resolves, or fails for good: a BridgeWriteError that is not retryable, any other
 * error (as a non-retryable INTERNAL one), or the last of `attempts` (`defaultAttempts` unless given),
 * waiting `firstDelayMs`·2^k before each retry (after telling `onRetry`).
 */
export async function writeWithRetry(
  write: () => Promise<void>,
  retry: WriteRetry,
  defaultAttempts: number,
  onRetry?: (error: BridgeWriteError, attempt: number) => void,
): Promise<{ ok: true; attempts: number } | { ok: false; error: BridgeWriteError; attempts: number }> {
  const attempts = Math.max(1, retry.attempts ?? defaultAttempts);
  const wait = retry.sleep ?? ((ms: number) => sleep(ms));
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return { ok: true, attempts: attempt };
    } catch (error) {
      const e = error instanceof BridgeWriteError ? error : new BridgeWriteError(false, 'INTERNAL', error instanceof Error ? error.message : String(error));
      if (!e.retryable || attempt >= attempts) return { ok: false, error: e, attempts: attempt };
      onRetry?.(e, attempt);
      await wait((retry.firstDelayMs ?? 1000) * 2 ** (attempt - 1));
    }
  }
}

/** What a usage entry says of the request `op` is for: who asked, the dataset, its parameters' digest and the recipients. */
export function usageRequestOf(op: ComputeOp, ledger: ComputeOpLedger): Pick<UsageEntryInput, 'requester' | 'dataset' | 'parametersDigest' | 'recipients'> {
  return {
    requester: { mspId: ledger.requester, ...(ledger.requesterEnrollmentId !== undefined ? { enrollmentId: ledger.requesterEnrollmentId } : {}) },
    dataset: { owner: ledger.owner, name: op.dataset.name },
    parametersDigest: parametersDigest({ columns: op.dataset.columns, fractionalBits: op.fractionalBits, precision: op.precision }),
    recipients: [...ledger.recipients],
  };
}
