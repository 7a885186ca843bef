import { PrecisionUnknownError, createMemoryTransports, type ComputeOp, type ComputeOutcome, type NodeOp, type PreprocessOutcome } from '@datawell/mpc';
import { agreeOnOp } from './agreement';
import { ControlError } from './control.server';
import { opQueue, type OpQueueDeps } from './op-queue';

const compute = (opId: string): ComputeOp => ({ opId, kind: 'compute', program: 'mean', owner: 0, recipients: [1], dataset: { name: 'r', columns: ['y'] }, fractionalBits: 16 });
const outcome = (opId: string): ComputeOutcome => ({ opId, party: 0, rows: 3, made: { triples: 1, masks: 1 }, onlineMs: 1, inventory: { party: 0, parties: 2, triples: 0, squares: 0, masks: [0, 0] } });

/** A queue whose runs are recorded (the mesh) and whose gate answers from `verdicts` by op id. */
function setup(verdicts: Record<string, ControlError | undefined> = {}) {
  const ran: string[] = [];
  const admitted: string[] = [];
  const reported: string[] = [];
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
      if (op.opId === 'fxp64') throw new PrecisionUnknownError('unknown precision "fxp64"');
      return outcome(op.opId);
    },
    usage: { refused: async (op, check) => void reported.push(`refused ${op.opId} ${check}`), failed: async (op, code) => void reported.push(`failed ${op.opId} ${code}`) },
    onMeshBroken: (e) => (broken = e),
    log: () => undefined,
  };
  return { op: opQueue(deps), ran, admitted, reported, broken: () => broken };
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

  it('reports a compute op that failed after the agreement round with its code, once; not a failed preprocessing', async () => {
    const q = setup();
    await expect(q.op(compute('abort'))).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION' });
    await expect(q.op(compute('abort'))).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION' });
    const r = setup();
    await expect(r.op({ opId: 'abort', kind: 'preprocess', triples: 1, masks: [] })).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION' });
    const refusing = setup({ a: notAllowed() });
    await expect(refusing.op(compute('a'))).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    expect([q.reported, r.reported, refusing.reported]).toEqual([['failed abort PROTOCOL_VIOLATION'], [], ['refused a computation-allowed']]);
  });

  it('answers an unknown precision with its stable code as a 422 and keeps the mesh', async () => {
    const q = setup();
    await expect(q.op({ ...compute('fxp64'), precision: 'fxp64' })).rejects.toMatchObject({ status: 422, code: 'PRECISION_UNKNOWN' });
    expect(q.broken()).toBeUndefined();
    await expect(q.op(compute('b'))).resolves.toEqual(outcome('b'));
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

  /**
   * Nodes of one mesh (in-memory channels), each with its own queue, gate and the agreement round; a
   * run sends one message to every other node and reads one from each, so a node that runs an op
   * while another does not leaves the channels out of step (the next run reads the wrong message).
   */
  function mesh(verdicts: ReadonlyArray<Record<string, ControlError | undefined>>, timeoutMs = 1000) {
    const transports = createMemoryTransports(verdicts.length);
    return transports.map((t, i) => {
      const ran: string[] = [];
      const admitted: string[] = [];
      const logged: Array<[string, Record<string, unknown> | undefined]> = [];
      const reported: string[] = [];
      let broken: Error | undefined;
      const op = opQueue({
        usage: { refused: async (o, check) => void reported.push(`refused ${o.opId} ${check}`), failed: async (o, code) => void reported.push(`failed ${o.opId} ${code}`) },
        notReady: () => undefined,
        broken: () => broken,
        admit: async (o) => {
          admitted.push(o.opId);
          const refusal = verdicts[i]![o.opId];
          if (refusal) throw refusal;
        },
        agree: (opId, own) => agreeOnOp(t, opId, own, timeoutMs),
        run: async (o) => {
          ran.push(o.opId);
          t.broadcast(new TextEncoder().encode(o.opId));
          for (let j = 0; j < transports.length; j++) {
            if (j === i) continue;
            const got = new TextDecoder().decode(await t.receive(j));
            if (got !== o.opId) throw Object.assign(new Error(`read ${got} from party ${j} in op ${o.opId}`), { code: 'PROTOCOL_VIOLATION' });
          }
          return { ...outcome(o.opId), party: i };
        },
        onMeshBroken: (e) => (broken = e),
        log: (message, extra) => void logged.push([message, extra]),
      });
      return { op, ran, admitted, logged, reported, broken: () => broken, transport: t };
    });
  }
  const all = (nodes: ReturnType<typeof mesh>, body: unknown) => Promise.allSettled(nodes.map((n) => n.op(body)));
  const answerOf = (s: PromiseSettledResult<unknown>) => (s.status === 'fulfilled' ? { status: 200, opId: (s.value as ComputeOutcome).opId } : { status: (s.reason as ControlError).status, code: (s.reason as ControlError).code, ...(s.reason as ControlError).details });

  it('runs an op on no node when one node refuses: the refusing node answers with its own refusal, the others PARTY_REFUSED naming it; the mesh stays in step', async () => {
    const nodes = mesh([{}, { a: notAllowed() }, {}]);
    const answers = await all(nodes, compute('a'));
    expect(answers.map(answerOf)).toEqual([
      { status: 409, code: 'PARTY_REFUSED', refusedBy: [{ party: 1, code: 'NOT_ALLOWED', check: 'computation-allowed' }] },
      { status: 403, code: 'NOT_ALLOWED' },
      { status: 409, code: 'PARTY_REFUSED', refusedBy: [{ party: 1, code: 'NOT_ALLOWED', check: 'computation-allowed' }] },
    ]);
    expect((answers[0] as PromiseRejectedResult).reason.message).toBe('party 1 (NOT_ALLOWED, check computation-allowed) refused to take part in op a: no node ran it');
    for (const n of nodes) expect(n.ran).toEqual([]);
    // The next op, compute and preprocess alike, runs on every node over channels still in step.
    expect((await all(nodes, compute('b'))).map(answerOf)).toEqual([0, 1, 2].map(() => ({ status: 200, opId: 'b' })));
    expect((await all(nodes, { opId: 'p', kind: 'preprocess', triples: 1, masks: [] })).map(answerOf)).toEqual([0, 1, 2].map(() => ({ status: 200, opId: 'p' })));
    for (const n of nodes) {
      expect(n.ran).toEqual(['b', 'p']);
      expect(n.broken()).toBeUndefined();
    }
    expect(nodes[0]!.logged).toContainEqual(['agreement: not run', { opId: 'a', kind: 'compute', refusedBy: [{ party: 1, code: 'NOT_ALLOWED', check: 'computation-allowed' }] }]);
    expect(nodes[0]!.logged).toContainEqual(['agreement: every party takes part', { opId: 'b', kind: 'compute' }]);
  });

  it("reports a refused op for the usage trail once: the refusing node's own check, 'party-refused' on the nodes that took part; nothing for a run op", async () => {
    const nodes = mesh([{}, { a: notAllowed() }, {}]);
    await all(nodes, compute('a'));
    await all(nodes, compute('a')); // a retry: the first answers, nothing reported again
    await all(nodes, compute('b'));
    expect(nodes.map((n) => n.reported)).toEqual([['refused a party-refused'], ['refused a computation-allowed'], ['refused a party-refused']]);
  });

  it('reports nothing for a refusal without a check: LEDGER_UNAVAILABLE on its own node, or as the only refusal of the round', async () => {
    const mixed = mesh([{ a: unavailable() }, { a: notAllowed() }]);
    await all(mixed, compute('a'));
    expect(mixed.map((n) => n.reported)).toEqual([[], ['refused a computation-allowed']]);
    const down = mesh([{}, { a: unavailable() }]);
    await all(down, compute('a'));
    expect(down.map((n) => n.reported)).toEqual([[], []]);
  });

  it('keeps a refusal on every node alike: a retry gets every first answer without a new round', async () => {
    const verdicts: Array<Record<string, ControlError | undefined>> = [{ a: unavailable() }, { a: notAllowed() }];
    const nodes = mesh(verdicts);
    const first = (await all(nodes, compute('a'))).map(answerOf);
    expect(first).toEqual([
      { status: 503, code: 'LEDGER_UNAVAILABLE' },
      { status: 403, code: 'NOT_ALLOWED' },
    ]);
    verdicts[0]!['a'] = undefined;
    verdicts[1]!['a'] = undefined;
    // Node 0 would ask its ledger again after LEDGER_UNAVAILABLE alone; node 1 refused, so node 0 keeps its answer too.
    expect((await all(nodes, compute('a'))).map(answerOf)).toEqual(first);
    for (const n of nodes) expect(n.admitted).toEqual(['a']);
    expect((await all(nodes, compute('b'))).map(answerOf)).toEqual([0, 1].map(() => ({ status: 200, opId: 'b' })));
  });

  it('forgets on every node an op that only an unreadable ledger stopped: a retry runs a new round', async () => {
    const verdicts: Array<Record<string, ControlError | undefined>> = [{}, { a: unavailable() }];
    const nodes = mesh(verdicts);
    expect((await all(nodes, compute('a'))).map(answerOf)).toEqual([
      { status: 409, code: 'PARTY_REFUSED', refusedBy: [{ party: 1, code: 'LEDGER_UNAVAILABLE' }] },
      { status: 503, code: 'LEDGER_UNAVAILABLE' },
    ]);
    verdicts[1]!['a'] = undefined;
    expect((await all(nodes, compute('a'))).map(answerOf)).toEqual([0, 1].map(() => ({ status: 200, opId: 'a' })));
    for (const n of nodes) {
      expect(n.admitted).toEqual(['a', 'a']);
      expect(n.ran).toEqual(['a']);
    }
  });

  it('breaks the mesh when a decision does not come in time: the node answers the code and runs nothing more', async () => {
    // Node 1 never gets the op (as a node that answered from elsewhere): node 0 waits for its decision in vain.
    const nodes = mesh([{}, {}], 50);
    await expect(nodes[0]!.op(compute('a'))).rejects.toMatchObject({ status: 500, code: 'AGREEMENT_TIMEOUT', message: 'no decision on op a from party 1 within 50 ms' });
    expect(nodes[0]!.broken()).toMatchObject({ code: 'AGREEMENT_TIMEOUT' });
    expect(nodes[0]!.ran).toEqual([]);
    expect(nodes[0]!.logged).toContainEqual(['agreement failed', expect.objectContaining({ opId: 'a', code: 'AGREEMENT_TIMEOUT' })]);
    await expect(nodes[0]!.op(compute('b'))).rejects.toMatchObject({ status: 503, code: 'NODE_BROKEN' });
  });

  it('breaks the mesh when nodes decide on different ops', async () => {
    const nodes = mesh([{}, {}]);
    const answers = await Promise.allSettled([nodes[0]!.op(compute('a')), nodes[1]!.op(compute('b'))]);
    expect(answers.map(answerOf)).toEqual([
      { status: 500, code: 'PROTOCOL_VIOLATION' },
      { status: 500, code: 'PROTOCOL_VIOLATION' },
    ]);
    for (const n of nodes) expect(n.ran).toEqual([]);
  });
});
