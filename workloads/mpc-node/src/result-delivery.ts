import { setTimeout as sleep } from 'node:timers/promises';
import { parametersDigest, resultDigest, type MpcMeshFile } from '@datawell/contracts';
import type { ComputeOp, ComputeOutcome } from '@datawell/mpc';
import { ControlError } from './control.server';
import type { NodeLog } from './op-queue';

/*
 * Results to the recipients in their own domains (issue 12): a node with its member's ledger
 * (MPC_NODE_LEDGER_URL) that is a recipient of a compute op hands the result to its member's own
 * bridge, which records ComputationCompleted as the member and keeps the result in the member's
 * database. The coordinator gets the digest only: never the result.
 */

/** What goes to the member's bridge: POST /daos/:daoId/versions/:version/computations/:jobId/result. */
export interface ResultToDeliver {
  readonly daoId: string;
  readonly version: number;
  /** The op's id (the coordinator's computation id). */
  readonly jobId: string;
  readonly computation: string;
  /** The MSP ids of the mesh's parties, in party order. */
  readonly members: readonly string[];
  readonly result: Readonly<Record<string, number | readonly number[]>>;
  readonly resultDigest: string;
  /** What the usage entry says of the request (op.ledger, op.dataset, the outcome's rows). */
  readonly requester: { readonly mspId: string; readonly enrollmentId?: string };
  readonly dataset: { readonly owner: string; readonly name: string };
  readonly parametersDigest: string;
  readonly rows: number;
  readonly recipients: readonly string[];
}

/** The port to the member's bridge for results. */
export interface ResultDelivery {
  deliverResult(delivery: ResultToDeliver): Promise<void>;
}

/** The bridge did not take the result: `retryable` when it did not answer or answered 5xx; `code` its stable code (or UNREACHABLE, HTTP_<status>). */
export class ResultDeliveryError extends Error {
  override readonly name = 'ResultDeliveryError';
  constructor(
    readonly retryable: boolean,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DeliveryRetry {
  /** Attempts in all (default 4). */
  readonly attempts?: number;
  /** The wait before the second attempt, doubled each time (default 1 s). */
  readonly firstDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/**
 * After a compute op, at a recipient: delivers the result to the member's bridge (retrying a bridge
 * that does not answer or answers 5xx, with backoff) and answers the outcome without the result, with
 * its digest and `delivered: true`. A non-recipient's outcome passes unchanged. When the bridge does
 * not take it, the op is answered 502 RESULT_NOT_DELIVERED and the result is dropped (a retried op
 * id gets that answer again: the result is not kept anywhere). Logs carry the op id, the digest and
 * codes, never values.
 */
export async function deliverOutcome(op: ComputeOp, outcome: ComputeOutcome, mesh: MpcMeshFile, bridge: ResultDelivery, log: NodeLog, retry: DeliveryRetry = {}): Promise<ComputeOutcome> {
  const { result, ...rest } = outcome;
  if (result === undefined) return outcome;
  // The ledger gate admitted the op only with its ledger part and every party's owner.
  const ledger = op.ledger;
  const members = mesh.parties.map((p) => p.owner);
  if (!ledger || members.some((m) => m === undefined)) throw new ControlError(502, 'RESULT_NOT_DELIVERED', 'the op names no DAO version, or the mesh file no member of every party: the result has nowhere to go');
  const digest = resultDigest(result);
  const delivery: ResultToDeliver = {
    daoId: ledger.daoId,
    version: ledger.version,
    jobId: op.opId,
    computation: ledger.computation,
    members: members as string[],
    result,
    resultDigest: digest,
    requester: { mspId: ledger.requester, ...(ledger.requesterEnrollmentId !== undefined ? { enrollmentId: ledger.requesterEnrollmentId } : {}) },
    dataset: { owner: ledger.owner, name: op.dataset.name },
    parametersDigest: parametersDigest({ columns: op.dataset.columns, fractionalBits: op.fractionalBits }),
    rows: outcome.rows,
    recipients: [...ledger.recipients],
  };
  const attempts = Math.max(1, retry.attempts ?? 4);
  const wait = retry.sleep ?? ((ms: number) => sleep(ms));
  for (let attempt = 1; ; attempt++) {
    try {
      await bridge.deliverResult(delivery);
      log('result delivered', { opId: op.opId, resultDigest: digest, attempts: attempt });
      return { ...rest, resultDigest: digest, delivered: true };
    } catch (error) {
      const e = error instanceof ResultDeliveryError ? error : new ResultDeliveryError(false, 'INTERNAL', error instanceof Error ? error.message : String(error));
      if (e.retryable && attempt < attempts) {
        log('result delivery failed, retrying', { opId: op.opId, resultDigest: digest, code: e.code, attempt });
        await wait((retry.firstDelayMs ?? 1000) * 2 ** (attempt - 1));
        continue;
      }
      log('result not delivered', { opId: op.opId, resultDigest: digest, code: e.code, attempts: attempt });
      throw new ControlError(502, 'RESULT_NOT_DELIVERED', `the result of ${op.opId} could not be delivered to this member's ledger bridge (${e.code}): ${e.message}; it is dropped`);
    }
  }
}
