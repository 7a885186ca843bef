import { MpcError, nodeOpSchema, type ComputeOp, type ComputeOutcome, type NodeOp, type PreprocessOutcome } from '@datawell/mpc';
import { ControlError } from './control.server';
import { DatasetError } from './dataset.adapter';

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
  run(op: NodeOp): Promise<ComputeOutcome | PreprocessOutcome>;
  /**
   * After a compute op ran: what the coordinator is answered instead of `outcome` (a recipient in its
   * member's domain delivers the result to its member's bridge); throws a ControlError when it cannot
   * (502 RESULT_NOT_DELIVERED). Never breaks the mesh. Absent: the outcome as it is.
   */
  deliver?(op: ComputeOp, outcome: ComputeOutcome): Promise<ComputeOutcome>;
  /** The op failed on the mesh (an abort closed the channels): the mesh cannot run anything more. */
  onMeshBroken(error: Error): void;
  log: NodeLog;
}

/** Answers of op ids kept for retries. */
const REMEMBERED = 1000;

/**
 * The node's `POST /ops`: operations run one at a time, in arrival order; a retried op id gets the
 * first answer. An op the node does not take part in is answered without touching the mesh and
 * leaves it as it was: the next op runs. A refusal (NOT_ALLOWED) is remembered like any answer, so
 * a retried op id is refused again whatever the ledger says meanwhile (every node keeps its first
 * answer); an unreadable ledger (LEDGER_UNAVAILABLE) is not, so a retry asks the ledger again.
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
    const answer = chain.then(async () => {
      // Outside the try below: a refusal never marks the mesh broken.
      if (o.kind === 'compute' && deps.admit) await deps.admit(o);
      deps.log('operation started', { opId: o.opId, kind: o.kind });
      let out: ComputeOutcome | PreprocessOutcome;
      try {
        out = await deps.run(o);
        deps.log('operation done', { opId: o.opId, kind: o.kind, ...('rows' in out ? { rows: out.rows, made: out.made } : { ms: out.ms }) });
      } catch (error) {
        const e = error as Error & { code?: string };
        deps.log('operation failed', { opId: o.opId, kind: o.kind, code: e.code ?? 'INTERNAL', error: e.message });
        if (error instanceof DatasetError) throw new ControlError(422, error.code, error.message);
        if (error instanceof MpcError && error.code === 'INVALID_ARGUMENT') throw new ControlError(422, error.code, error.message);
        deps.onMeshBroken(e);
        throw new ControlError(500, e.code ?? 'INTERNAL', e.message);
      }
      // Outside the try above too: the mesh ran the op; where its result goes is not the mesh's concern.
      return o.kind === 'compute' && deps.deliver && 'rows' in out ? deps.deliver(o, out) : out;
    });
    answers.set(o.opId, answer);
    if (answers.size > REMEMBERED) answers.delete(answers.keys().next().value!);
    chain = answer.catch((error: unknown) => {
      if (error instanceof ControlError && error.code === 'LEDGER_UNAVAILABLE' && answers.get(o.opId) === answer) answers.delete(o.opId);
    });
    return answer;
  };
}
