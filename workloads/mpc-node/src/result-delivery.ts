import { resultDigest, type MpcMeshFile } from '@datawell/contracts';
import type { ComputeOp, ComputeOutcome } from '@datawell/mpc';
import { ControlError } from './control.server';
import { BridgeWriteError, usageRequestOf, writeWithRetry, type WriteRetry } from './bridge-write';
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
export class ResultDeliveryError extends BridgeWriteError {
  override readonly name = 'ResultDeliveryError';
}

/** Attempts in all: 4 by default. */
export type DeliveryRetry = WriteRetry;

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
    ...usageRequestOf(op, ledger),
    rows: outcome.rows,
  };
  const written = await writeWithRetry(() => bridge.deliverResult(delivery), retry, 4, (e, attempt) => log('result delivery failed, retrying', { opId: op.opId, resultDigest: digest, code: e.code, attempt }));
  if (written.ok) {
    log('result delivered', { opId: op.opId, resultDigest: digest, attempts: written.attempts });
    return { ...rest, resultDigest: digest, delivered: true };
  }
  const e = written.error;
  log('result not delivered', { opId: op.opId, resultDigest: digest, code: e.code, attempts: written.attempts });
  throw new ControlError(502, 'RESULT_NOT_DELIVERED', `the result of ${op.opId} could not be delivered to this member's ledger bridge (${e.code}): ${e.message}; it is dropped`);
}
