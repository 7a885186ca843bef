import { createHash } from 'node:crypto';
import type { MpcMeshFile } from '@datawell/contracts';
import type { ComputeOp, ComputeOutcome } from '@datawell/mpc';
import { ControlError } from './control.server';
import { deliverOutcome, ResultDeliveryError, type ResultDelivery, type ResultToDeliver } from './result-delivery';

const party = (owner: string | undefined) => ({ name: 'mpc-node', endpoint: '127.0.0.1:1', certificatePem: 'x', caCertificatePem: 'y', ...(owner ? { owner } : {}) });
const mesh = (owners: (string | undefined)[]): MpcMeshFile => ({ index: 1, parties: owners.map(party) }) as unknown as MpcMeshFile;
const op: ComputeOp = {
  opId: 'comp-1',
  kind: 'compute',
  program: 'mean',
  owner: 0,
  recipients: [1],
  dataset: { name: 'readings', columns: ['kwh'] },
  fractionalBits: 16,
  ledger: { daoId: 'd1', version: 2, computation: 'mean', requester: 'VspMSP', requesterEnrollmentId: 'vsp-analyst', recipients: ['VspMSP'], owner: 'DspMSP' },
};
const result = { mean: 12.5, sums: [1, 2.25] };
const outcome = (withResult = true): ComputeOutcome => ({ opId: 'comp-1', party: 1, rows: 3, ...(withResult ? { result } : {}), made: { triples: 1, masks: 1 }, onlineMs: 4, inventory: { party: 1, parties: 2, triples: 0, squares: 0, masks: [0, 0] } });

/** A stubbed bridge port (unit tests only): answers each delivery from `answers` in turn (undefined: taken). */
function bridge(...answers: (ResultDeliveryError | undefined)[]) {
  const deliveries: ResultToDeliver[] = [];
  const port: ResultDelivery = {
    async deliverResult(d) {
      deliveries.push(d);
      const answer = answers[deliveries.length - 1];
      if (answer) throw answer;
    },
  };
  return { port, deliveries };
}

describe("a recipient node's delivery of a result to its member's bridge", () => {
  const logs: { message: string; extra?: Record<string, unknown> }[] = [];
  const log = (message: string, extra?: Record<string, unknown>) => void logs.push({ message, ...(extra ? { extra } : {}) });
  const waits: number[] = [];
  const retry = { sleep: async (ms: number) => void waits.push(ms) };
  beforeEach(() => {
    logs.length = 0;
    waits.length = 0;
  });

  it("delivers the result with the members in party order and its digest (SHA-256 of the sorted-key JSON), and answers the coordinator without it", async () => {
    const { port, deliveries } = bridge();
    const answered = await deliverOutcome(op, outcome(), mesh(['DspMSP', 'VspMSP']), port, log, retry);
    const digest = createHash('sha256').update('{"mean":12.5,"sums":[1,2.25]}').digest('hex');
    // With what the granted request's usage entry needs: who asked, the dataset, the parameters' digest, the rows read, the recipients.
    const params = createHash('sha256').update('{"columns":["kwh"],"fractionalBits":16}').digest('hex');
    expect(deliveries).toEqual([
      { daoId: 'd1', version: 2, jobId: 'comp-1', computation: 'mean', members: ['DspMSP', 'VspMSP'], result, resultDigest: digest, requester: { mspId: 'VspMSP', enrollmentId: 'vsp-analyst' }, dataset: { owner: 'DspMSP', name: 'readings' }, parametersDigest: params, rows: 3, recipients: ['VspMSP'] },
    ]);
    const { requesterEnrollmentId: _e, ...anonymous } = op.ledger!;
    await deliverOutcome({ ...op, ledger: anonymous }, outcome(), mesh(['DspMSP', 'VspMSP']), port, log, retry);
    expect(deliveries[1]!.requester).toEqual({ mspId: 'VspMSP' });
    expect(answered).not.toHaveProperty('result');
    expect(answered).toMatchObject({ opId: 'comp-1', party: 1, rows: 3, resultDigest: digest, delivered: true });
    expect(JSON.stringify(logs)).not.toContain('12.5');
    expect(logs[0]).toEqual({ message: 'result delivered', extra: { opId: 'comp-1', resultDigest: digest, attempts: 1 } });
  });

  it('passes a non-recipient\'s outcome (no result) unchanged, delivering nothing', async () => {
    const { port, deliveries } = bridge();
    await expect(deliverOutcome(op, outcome(false), mesh(['DspMSP', 'VspMSP']), port, log, retry)).resolves.toEqual(outcome(false));
    expect(deliveries).toHaveLength(0);
  });

  it('retries a bridge that answers 503 (or does not answer) with backoff, then delivers', async () => {
    const { port, deliveries } = bridge(new ResultDeliveryError(true, 'LEDGER_UNAVAILABLE', 'answered 503'), new ResultDeliveryError(true, 'UNREACHABLE', 'ECONNREFUSED'), undefined);
    await expect(deliverOutcome(op, outcome(), mesh(['DspMSP', 'VspMSP']), port, log, retry)).resolves.toMatchObject({ delivered: true });
    expect(deliveries).toHaveLength(3);
    expect(waits).toEqual([1000, 2000]);
  });

  it('answers 502 RESULT_NOT_DELIVERED after the last attempt, and at once on a 4xx (with the bridge\'s code), never carrying the result', async () => {
    const down = bridge(...Array.from({ length: 4 }, () => new ResultDeliveryError(true, 'HTTP_503', 'answered 503')));
    const failure = await deliverOutcome(op, outcome(), mesh(['DspMSP', 'VspMSP']), down.port, log, retry).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ControlError);
    expect(failure).toMatchObject({ status: 502, code: 'RESULT_NOT_DELIVERED' });
    expect(down.deliveries).toHaveLength(4);
    const refused = bridge(new ResultDeliveryError(false, 'RESULT_DIGEST_MISMATCH', 'answered 400 RESULT_DIGEST_MISMATCH'));
    const refusal = await deliverOutcome(op, outcome(), mesh(['DspMSP', 'VspMSP']), refused.port, log, retry).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ status: 502, code: 'RESULT_NOT_DELIVERED', message: expect.stringContaining('RESULT_DIGEST_MISMATCH') });
    expect(refused.deliveries).toHaveLength(1);
    expect((refusal as Error).message).not.toContain('12.5');
    expect(JSON.stringify(logs)).not.toContain('12.5');
    expect(logs.at(-1)).toMatchObject({ message: 'result not delivered', extra: { opId: 'comp-1', code: 'RESULT_DIGEST_MISMATCH' } });
  });

  it('has nowhere to deliver without the op\'s ledger part or every party\'s member', async () => {
    const { port } = bridge();
    const { ledger: _l, ...bare } = op;
    await expect(deliverOutcome(bare, outcome(), mesh(['DspMSP', 'VspMSP']), port, log, retry)).rejects.toMatchObject({ code: 'RESULT_NOT_DELIVERED' });
    await expect(deliverOutcome(op, outcome(), mesh(['DspMSP', undefined]), port, log, retry)).rejects.toMatchObject({ code: 'RESULT_NOT_DELIVERED' });
  });
});
