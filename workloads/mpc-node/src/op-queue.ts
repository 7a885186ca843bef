import { MpcError, nodeOpSchema, type ComputeOp, type ComputeOutcome, type NodeOp, type PreprocessOutcome } from '@datawell/mpc';
import { refusalDecision, type PartyDecision } from './agreement';
import { ControlError } from './control.server';
import { DatasetError } from './dataset.adapter';
import { PARTY_REFUSED, type OpUsage } from './usage-record';

export type NodeLog = (message: string, extra?: Record<string, unknown>) => void;

export interface OpQueueDeps {
  /** Why the node cannot run ops yet (503 NODE_NOT_READY), or undefined once it can. */
  notReady(): string | undefined;
  /** The error that broke the mesh (503 NODE_BROKEN from then on), or undefined. */
  broken(): Error | undefined;
  /**
   * Before a compute op touches the mesh: throws a ControlError when the node does not take part
   * (403 NOT_ALLOWED, 503 LEDGER_UNAVAILABLE). Absent: the node takes part in every op.
   */
  admit?(op: ComputeOp): Promise<void>;
  /**
   * The agreement round (agreement.ts): tells every other node this node's decision on the op and
   * returns every party's decision, this node's included, by party index. Throws when the nodes cannot
   * agree (a decision late, malformed or on another op): the mesh is broken. Absent: no round.
   */
  agree?(opId: string, own: PartyDecision): Promise<readonly PartyDecision[]>;
  run(op: NodeOp): Promise<ComputeOutcome | PreprocessOutcome>;
  /**
   * After a compute op ran: what the coordinator is answered instead of `outcome` (a recipient in its
   * member's domain delivers the result to its member's bridge); throws a ControlError when it cannot
   * (502 RESULT_NOT_DELIVERED). Never breaks the mesh. Absent: the outcome as it is.
   */
  deliver?(op: ComputeOp, outcome: ComputeOutcome): Promise<ComputeOutcome>;
  /**
   * The usage trail of a compute op that gave no result (usage-record.ts: the data owner's node
   * records it through its member's bridge): `refused` with the check of this node's refusal (none
   * for a refusal without a check, LEDGER_UNAVAILABLE: a retry asks again), or 'party-refused' when it
   * took part and another party refused (not when every refusal was LEDGER_UNAVAILABLE); `failed` with the code when the op failed after the
   * agreement round. Called once per op id, not awaited (it never throws). Absent: nothing recorded.
   */
  usage?: OpUsage;
  /** The op failed on the mesh (an abort closed the channels): the mesh cannot run anything more. */
  onMeshBroken(error: Error): void;
  log: NodeLog;
}

/** A party that refused an op in the agreement round, with its answer's code and check. */
export interface PartyRefusal {
  readonly party: number;
  readonly code: string;
  readonly check?: string;
}

/** This node took part but another party refused: the op did not run anywhere. Names parties, codes and checks, never values. */
function partyRefused(opId: string, refused: readonly PartyRefusal[]): ControlError {
  const who = refused.map((r) => `party ${r.party} (${r.code}${r.check !== undefined ? `, check ${r.check}` : ''})`).join(', ');
  return new ControlError(409, 'PARTY_REFUSED', `${who} refused to take part in op ${opId}: no node ran it`, undefined, { refusedBy: refused });
}

/** Answers of op ids kept for retries. */
const REMEMBERED = 1000;

/**
 * The node's `POST /ops`: operations run one at a time, in arrival order; a retried op id gets the
 * first answer. Before an op touches the mesh every node tells the others whether it takes part (the
 * agreement round, `agree`): a compute op this node's gate refuses is refused with the gate's answer
 * (403 NOT_ALLOWED, 503 LEDGER_UNAVAILABLE); one another party refused is answered 409 PARTY_REFUSED
 * naming the refusing parties with their codes and checks; the op runs only if every party takes
 * part. Either way every node read one decision from every other, so the mesh stays in step and runs
 * the next op. A refusal is remembered like any answer, so a retried op id is refused again whatever
 * the ledger says meanwhile (every node keeps its first answer), except when every refusal of the
 * round was LEDGER_UNAVAILABLE: then every node forgets it alike, and a retry runs a new round that
 * asks the ledgers again.
 */
export function opQueue(deps: OpQueueDeps): (body: unknown) => Promise<unknown> {
  let chain: Promise<unknown> = Promise.resolve();
  const answers = new Map<string, Promise<unknown>>();
  return (body: unknown): Promise<unknown> => {
    const parsed = nodeOpSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return Promise.reject(new ControlError(400, 'INVALID_REQUEST', `${issue.path.join('.') || 'body'}: ${issue.message}`));
    }
    const o = parsed.data;
    const known = answers.get(o.opId);
    if (known) return known;
    const dead = deps.broken();
    if (dead) return Promise.reject(new ControlError(503, 'NODE_BROKEN', `the node's mesh broke: ${dead.message}`));
    const waiting = deps.notReady();
    if (waiting !== undefined) return Promise.reject(new ControlError(503, 'NODE_NOT_READY', waiting));
    // Every node sees every decision of the round, so every node comes to the same value.
    let forget = false;
    const answer = chain.then(async () => {
      // This node's decision; a refusal never marks the mesh broken.
      let refusal: (Error & { code?: string; check?: string }) | undefined;
      if (o.kind === 'compute' && deps.admit) {
        try {
          await deps.admit(o);
        } catch (error) {
          refusal = error as Error;
        }
      }
      // Without a round (a node alone, unit tests of the gate) only this node's refusal counts.
      let refused: PartyRefusal[] = [];
      forget = refusal?.code === 'LEDGER_UNAVAILABLE';
      if (deps.agree) {
        const own: PartyDecision = refusal ? refusalDecision(refusal.code, refusal instanceof ControlError ? refusal.check : undefined) : { takesPart: true };
        let all: readonly PartyDecision[];
        try {
          all = await deps.agree(o.opId, own);
        } catch (error) {
          const e = error as Error & { code?: string };
          deps.log('agreement failed', { opId: o.opId, kind: o.kind, code: e.code ?? 'INTERNAL', error: e.message });
          deps.onMeshBroken(e);
          throw new ControlError(500, e.code ?? 'INTERNAL', e.message);
        }
        refused = all.flatMap((d, party) => (d.takesPart ? [] : [{ party, code: d.code, ...(d.check !== undefined ? { check: d.check } : {}) }]));
        deps.log(refused.length === 0 ? 'agreement: every party takes part' : 'agreement: not run', { opId: o.opId, kind: o.kind, ...(refused.length > 0 ? { refusedBy: refused } : {}) });
        forget = refused.length > 0 && refused.every((r) => r.code === 'LEDGER_UNAVAILABLE');
      }
      if (o.kind === 'compute' && deps.usage && (refusal || refused.length > 0)) {
        const own = refusal instanceof ControlError ? refusal.check : undefined;
        // This node's own check; or, when it took part, the other parties' refusal (none to record when each was only LEDGER_UNAVAILABLE).
        const check = own ?? (!refusal && refused.some((r) => r.code !== 'LEDGER_UNAVAILABLE') ? PARTY_REFUSED : undefined);
        if (check !== undefined) void deps.usage.refused(o, check);
      }
      if (refusal) throw refusal;
      if (refused.length > 0) throw partyRefused(o.opId, refused);

      deps.log('operation started', { opId: o.opId, kind: o.kind });
      let out: ComputeOutcome | PreprocessOutcome;
      try {
        out = await deps.run(o);
        deps.log('operation done', { opId: o.opId, kind: o.kind, ...('rows' in out ? { rows: out.rows, made: out.made } : { ms: out.ms }) });
      } catch (error) {
        const e = error as Error & { code?: string };
        deps.log('operation failed', { opId: o.opId, kind: o.kind, code: e.code ?? 'INTERNAL', error: e.message });
        if (o.kind === 'compute' && deps.usage) void deps.usage.failed(o, e.code ?? 'INTERNAL');
        if (error instanceof DatasetError) throw new ControlError(422, error.code, error.message);
        if (error instanceof MpcError && (error.code === 'INVALID_ARGUMENT' || error.code === 'PRECISION_UNKNOWN')) throw new ControlError(422, error.code, error.message);
        deps.onMeshBroken(e);
        throw new ControlError(500, e.code ?? 'INTERNAL', e.message);
      }
      // Outside the try above too: the mesh ran the op; where its result goes is not the mesh's concern.
      return o.kind === 'compute' && deps.deliver && 'rows' in out ? deps.deliver(o, out) : out;
    });
    answers.set(o.opId, answer);
    if (answers.size > REMEMBERED) answers.delete(answers.keys().next().value!);
    chain = answer.catch(() => {
      if (forget && answers.get(o.opId) === answer) answers.delete(o.opId);
    });
    return answer;
  };
}
