import { USAGE_CHECKS, type MpcMeshFile, type UsageCheck, type UsageEntryInput } from '@datawell/contracts';
import type { ComputeOp } from '@datawell/mpc';
import { BridgeWriteError, usageRequestOf, writeWithRetry, type WriteRetry } from './bridge-write';

/*
 * The data owner's usage trail in a DAO of trust domains (issue 12): the coordinator records nothing
 * there, so the data owner's own node records, through its member's own bridge and as its member, what
 * became of an op on its dataset that did not give a result: refused (by its own ledger check, or by
 * another party in the agreement round: 'party-refused') or failed after the agreement round (the
 * error code). A granted op's entry is the recipient's (result-delivery.ts: its bridge records it with
 * the result). The entry's id is the op's (the coordinator's computation id), so a retry records once.
 */

/** The node's log (op-queue's NodeLog; written out here, as op-queue imports this module). */
type Log = (message: string, extra?: Record<string, unknown>) => void;

/** Attempts in all: 3 by default. */
export type RecordRetry = WriteRetry;

/** The check an owner's node records when it took part and another party refused in the agreement round. */
export const PARTY_REFUSED: UsageCheck = 'party-refused';

/** The port to the member's bridge for usage entries: POST /daos/:daoId/versions/:version/usage. */
export interface UsageRecorder {
  recordUsage(daoId: string, version: number, entry: UsageEntryInput): Promise<void>;
}

/** The bridge did not record the entry: `retryable` when it did not answer or answered 5xx; `code` its stable code (or UNREACHABLE, HTTP_<status>). */
export class UsageRecordError extends BridgeWriteError {
  override readonly name = 'UsageRecordError';
}

/** What the op queue reports of a compute op that gave no result. Never throws: a failure to record is logged and the node keeps going. */
export interface OpUsage {
  refused(op: ComputeOp, check: string): Promise<void>;
  failed(op: ComputeOp, code: string): Promise<void>;
}

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const isUsageCheck = (check: string): check is UsageCheck => (USAGE_CHECKS as readonly string[]).includes(check);

/**
 * The entry this node records for `op`, or undefined when it records none: the op names no DAO version
 * (nothing to record it in), or this node is not the data owner's (its mesh party's member is not
 * op.ledger.owner): the trail is the owner's to keep.
 */
export function ownerUsageEntry(op: ComputeOp, mesh: MpcMeshFile | undefined, what: { readonly check: UsageCheck } | { readonly failure: string }): UsageEntryInput | undefined {
  const ledger = op.ledger;
  if (!ledger || !mesh || mesh.parties[mesh.index]?.owner !== ledger.owner) return undefined;
  return {
    usageId: op.opId,
    ...usageRequestOf(op, ledger),
    computation: ledger.computation,
    ...('check' in what ? { outcome: 'refused' as const, check: what.check } : { outcome: 'failed' as const, failure: CODE.test(what.failure) ? what.failure : 'INTERNAL' }),
  };
}

/**
 * The op queue's `usage` of a data owner's node with its member's bridge: records the entry (retrying a
 * bridge that does not answer or answers 5xx, with backoff), logging the op id, the outcome and codes,
 * never values; a failure to record is logged, never thrown.
 */
export function ownerUsage(mesh: () => MpcMeshFile | undefined, bridge: UsageRecorder, log: Log, retry: RecordRetry = {}): OpUsage {
  const record = async (op: ComputeOp, what: { readonly check: UsageCheck } | { readonly failure: string }): Promise<void> => {
    const entry = ownerUsageEntry(op, mesh(), what);
    if (!entry || !op.ledger) return;
    const { ledger } = op;
    const written = await writeWithRetry(() => bridge.recordUsage(ledger.daoId, ledger.version, entry), retry, 3);
    if (written.ok) log('usage recorded', { opId: op.opId, outcome: entry.outcome, ...(entry.check ? { check: entry.check } : {}), ...(entry.failure ? { failure: entry.failure } : {}), attempts: written.attempts });
    else log('usage not recorded', { opId: op.opId, outcome: entry.outcome, code: written.error.code, attempts: written.attempts });
  };
  return {
    async refused(op, check) {
      if (!isUsageCheck(check)) {
        if (ownerUsageEntry(op, mesh(), { check: PARTY_REFUSED })) log('usage not recorded', { opId: op.opId, outcome: 'refused', code: 'UNKNOWN_CHECK' });
        return;
      }
      await record(op, { check });
    },
    async failed(op, code) {
      await record(op, { failure: code });
    },
  };
}
