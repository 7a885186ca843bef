import type { ComputeOp, ComputeOutcome, NodeOp, PreprocessOutcome } from '@datawell/mpc';
import { ControlError } from './control.server';
import { opQueue, type OpQueueDeps } from './op-queue';

const compute = (opId: string): ComputeOp => ({ opId, kind: 'compute', program: 'mean', owner: 0, recipients: [1], dataset: { name: 'r', columns: ['y'] }, fractionalBits: 16 });
const outcome = (opId: string): ComputeOutcome => ({ opId, party: 0, rows: 3, made: { triples: 1, masks: 1 }, onlineMs: 1, inventory: { party: 0, parties: 2, triples: 0, squares: 0, masks: [0, 0] } });

/** A queue whose runs are recorded (the mesh) and whose gate answers from `verdicts` by op id. */
function setup(verdicts: Record<string, ControlError | undefined> = {}) {
  const ran: string[] = [];
  const admitted: string[] = [];
  let broken: Error | undefined;
  const deps: OpQueueDeps = {
    notReady: () => undefined,
    broken: () => broken,
    admit: async (op) => {
      admitted.push(op.opId);
      const refusal = verdicts[op.opId];
      if (refusal) throw refusal;
    },
    run: async (op: NodeOp): Promise<ComputeOutcome | PreprocessOutcome> => {
      ran.push(op.opId);
      if (op.opId === 'abort') throw Object.assign(new Error('the mesh aborted'), { code: 'PROTOCOL_VIOLATION' });
      return outcome(op.opId);
    },
    onMeshBroken: (e) => (broken = e),
    log: () => undefined,
  };
  return { op: opQueue(deps), ran, admitted, broken: () => broken };
}

const notAllowed = () => new ControlError(403, 'NOT_ALLOWED', 'check computation-allowed: no', 'computation-allowed');
const unavailable = () => new ControlError(503, 'LEDGER_UNAVAILABLE', 'down');

describe("the node's queue of operations", () => {
  it('answers a refused op without running it on the mesh, and runs the next op', async () => {
    const q = setup({ a: notAllowed() });
    await expect(q.op(compute('a'))).rejects.toMatchObject({ status: 403, code: 'NOT_ALLOWED', check: 'computation-allowed' });
    await expect(q.op(compute('b'))).resolves.toEqual(outcome('b'));
    expect(q.ran).toEqual(['b']);
    expect(q.broken()).toBeUndefined();
  });

  it('keeps arrival order across a refusal: ops sent at once run one after another', async () => {
    const q = setup({ b: notAllowed() });
    const answers = await Promise.allSettled([q.op(compute('a')), q.op(compute('b')), q.op({ opId: 'c', kind: 'preprocess', triples: 1, masks: [] })]);
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(q.admitted).toEqual(['a', 'b']);
    expect(q.ran).toEqual(['a', 'c']);
  });

  it('gives a retried refused op id its first answer without asking the ledger again', async () => {
    const verdicts: Record<string, ControlError | undefined> = { a: notAllowed() };
    const q = setup(verdicts);
    await expect(q.op(compute('a'))).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    verdicts['a'] = undefined;
    await expect(q.op(compute('a'))).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    expect(q.admitted).toEqual(['a']);
    expect(q.ran).toEqual([]);
  });

  it('asks the ledger again when a retried op id found it unavailable the first time', async () => {
    const verdicts: Record<string, ControlError | undefined> = { a: unavailable() };
    const q = setup(verdicts);
    await expect(q.op(compute('a'))).rejects.toMatchObject({ status: 503, code: 'LEDGER_UNAVAILABLE' });
    verdicts['a'] = undefined;
    await expect(q.op(compute('a'))).resolves.toEqual(outcome('a'));
    // Once run, a retry gets that answer: the op does not run twice.
    await expect(q.op(compute('a'))).resolves.toEqual(outcome('a'));
    expect(q.admitted).toEqual(['a', 'a']);
    expect(q.ran).toEqual(['a']);
  });

  it('does not gate preprocessing, and still breaks on a mesh failure', async () => {
    const q = setup();
    await expect(q.op({ opId: 'p', kind: 'preprocess', triples: 1, masks: [] })).resolves.toEqual(outcome('p'));
    expect(q.admitted).toEqual([]);
    await expect(q.op(compute('abort'))).rejects.toMatchObject({ status: 500, code: 'PROTOCOL_VIOLATION' });
    expect(q.broken()?.message).toBe('the mesh aborted');
    await expect(q.op(compute('next'))).rejects.toMatchObject({ status: 503, code: 'NODE_BROKEN' });
  });

  it('refuses a malformed op before anything else', async () => {
    const q = setup();
    await expect(q.op({ ...compute('a'), ledger: { daoId: 'd1' } })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringMatching(/^ledger/) });
    expect(q.admitted).toEqual([]);
  });

  it("answers a compute op with what delivery makes of its outcome; a failed delivery is remembered and never breaks the mesh", async () => {
    const deps = (deliver: OpQueueDeps['deliver']) => {
      const ran: string[] = [];
      let broken: Error | undefined;
      const q = opQueue({
        notReady: () => undefined,
        broken: () => broken,
        run: async (op) => (ran.push(op.opId), outcome(op.opId)),
        ...(deliver ? { deliver } : {}),
        onMeshBroken: (e) => (broken = e),
        log: () => undefined,
      });
      return { q, ran, broken: () => broken };
    };
    const delivered = deps(async (_op, out) => ({ ...out, resultDigest: 'ab'.repeat(32), delivered: true }));
    await expect(delivered.q(compute('a'))).resolves.toMatchObject({ opId: 'a', delivered: true });
    // Preprocessing has no result to deliver.
    await expect(delivered.q({ opId: 'p', kind: 'preprocess', triples: 1, masks: [] })).resolves.toEqual(outcome('p'));
    const failing = deps(async () => {
      throw new ControlError(502, 'RESULT_NOT_DELIVERED', 'bridge down');
    });
    await expect(failing.q(compute('a'))).rejects.toMatchObject({ status: 502, code: 'RESULT_NOT_DELIVERED' });
    await expect(failing.q(compute('a'))).rejects.toMatchObject({ code: 'RESULT_NOT_DELIVERED' });
    expect(failing.ran).toEqual(['a']);
    expect(failing.broken()).toBeUndefined();
    await expect(failing.q({ opId: 'p', kind: 'preprocess', triples: 1, masks: [] })).resolves.toEqual(outcome('p'));
  });
});
