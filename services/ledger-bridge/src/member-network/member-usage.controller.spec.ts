import 'reflect-metadata';
import type { Principal } from '@datawell/auth';
import type { MemberLedger } from '../admin/member-dao';
import { MemberUsageController, MemberUsageRecordsController } from './member-usage.controller';

const principal = (mspId: string, role: Principal['role'] = 'DSP'): Principal => ({ mspId, enrollmentId: 'alice', role, certificateFingerprint: 'ab' });
const entry = (usageId: string, atMs: number, txId: string, outcome = 'granted') => ({
  usageId,
  dataset: { owner: 'AcmeMSP', name: 'readings' },
  requester: { mspId: 'VspMSP' },
  computation: 'mean',
  parametersDigest: 'ab'.repeat(32),
  recipients: ['VspMSP'],
  outcome,
  ...(outcome === 'granted' ? { rows: 5, resultDigest: 'cd'.repeat(32) } : { check: 'recipients-allowed' }),
  recordedBy: 'AcmeMSP',
  atMs,
  txId,
});

function controller(answer: (channel: string, fn: string, args: readonly string[]) => Promise<string>, channels = ['marketplace', 'dao-acme-v1', 'dao-acme-v2', 'dao-other-v7']) {
  const calls: string[] = [];
  const ledger: MemberLedger = {
    mspId: 'AcmeMSP',
    evaluate: async (mspId, channel, chaincode, fn, args) => {
      calls.push(`${mspId} ${channel} ${chaincode} ${fn} ${args.join(' ')}`);
      return answer(channel, fn, args);
    },
    submit: async () => ({ txId: 'never' }),
    channels: async () => channels,
  };
  return { calls, controller: new MemberUsageController(ledger) };
}

describe("a member bridge's usage trail of a dataset", () => {
  it("reads GetUsage on every version of the DAO its peer is in, as itself, and merges the entries oldest first with their version", async () => {
    const { calls, controller: c } = controller(async (channel) =>
      JSON.stringify({ dataset: 'readings', entries: channel === 'dao-acme-v1' ? [entry('cmp-1', 10, 'tx1'), entry('ref-1', 30, 'tx3', 'refused')] : [entry('cmp-2', 20, 'tx2')] }),
    );
    const trail = await c.trail(principal('AcmeMSP'), 'readings', { daoId: 'acme' });
    expect(calls).toEqual(['AcmeMSP dao-acme-v1 dao GetUsage readings', 'AcmeMSP dao-acme-v2 dao GetUsage readings']);
    expect(trail.daoId).toBe('acme');
    expect(trail.entries.map((e) => [e.txId, e.version, e.channel, e.outcome])).toEqual([
      ['tx1', 1, 'dao-acme-v1', 'granted'],
      ['tx2', 2, 'dao-acme-v2', 'granted'],
      ['tx3', 1, 'dao-acme-v1', 'refused'],
    ]);
    expect(trail.entries[2]).toMatchObject({ check: 'recipients-allowed', requester: { mspId: 'VspMSP' } });
    await c.trail(principal('AcmeMSP'), 'readings', { daoId: 'acme', version: '2' });
    expect(calls.slice(2)).toEqual(['AcmeMSP dao-acme-v2 dao GetUsage readings']);
  });

  it('refuses other organisations and bad input before the peer, and maps what the ledger answers', async () => {
    const { calls, controller: c } = controller(async () => {
      throw Object.assign(new Error('10 ABORTED: failed to evaluate'), { code: 10, details: [{ message: 'chaincode response 500, FORBIDDEN: AcmeMSP is not a member of this DAO version and may not read the usage trail' }] });
    });
    await expect(c.trail(principal('OtherMSP'), 'readings', { daoId: 'acme' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.trail(principal('OperatorMSP', 'OPERATOR'), 'readings', { daoId: 'acme' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.trail(principal('AcmeMSP'), '../etc', { daoId: 'acme' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.trail(principal('AcmeMSP'), 'readings', {})).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('query.daoId') });
    await expect(c.trail(principal('AcmeMSP'), 'readings', { daoId: 'acme', version: '0' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.trail(principal('AcmeMSP'), 'readings', { daoId: 'acme', as: 'x' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.trail(principal('AcmeMSP'), 'readings', { daoId: 'nowhere' })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(c.trail(principal('AcmeMSP'), 'readings', { daoId: 'acme', version: '3' })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(calls).toEqual([]);
    await expect(c.trail(principal('AcmeMSP'), 'readings', { daoId: 'acme' })).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    const down = controller(async () => {
      throw Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 });
    });
    await expect(down.controller.trail(principal('AcmeMSP'), 'readings', { daoId: 'acme' })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });
});

describe("a member bridge's usage records, reported by its own MPC node", () => {
  const refusedEntry = { usageId: 'op-7', dataset: { owner: 'AcmeMSP', name: 'readings' }, requester: { mspId: 'VspMSP', enrollmentId: 'vsp-analyst' }, computation: 'mean', parametersDigest: 'ab'.repeat(32), recipients: ['AcmeMSP'], outcome: 'refused', check: 'recipients-allowed' };
  const response = () => {
    const res = { code: 0, status: (c: number) => ((res.code = c), res) };
    return res;
  };

  function recorder(submit: () => Promise<{ txId: string }>, onLedger: Array<Record<string, unknown>> = []) {
    const calls: string[] = [];
    const ledger: MemberLedger = {
      mspId: 'AcmeMSP',
      evaluate: async (mspId, channel, _chaincode, fn, args) => {
        calls.push(`${mspId} ${channel} ${fn} ${args.join(' ')}`);
        return JSON.stringify({ dataset: 'readings', entries: onLedger });
      },
      submit: async (channel, _chaincode, fn, args) => {
        calls.push(`submit ${channel} ${fn} ${args.join(' ')}`);
        const answer = await submit();
        onLedger.push({ ...JSON.parse(args[0]!), recordedBy: 'AcmeMSP', atMs: 5, txId: answer.txId });
        return answer;
      },
      channels: async () => ['marketplace', 'dao-acme-v1'],
    };
    return { calls, onLedger, controller: new MemberUsageRecordsController(ledger) };
  }

  it('submits RecordUsage on the version\'s channel as the member and answers 201 with the entry as the ledger holds it; a repeat 200 without a transaction', async () => {
    const { calls, controller: c } = recorder(async () => ({ txId: 'txref' }));
    const res = response();
    await expect(c.record(principal('AcmeMSP'), 'acme', '1', refusedEntry, res)).resolves.toEqual({ ...refusedEntry, recordedBy: 'AcmeMSP', atMs: 5, txId: 'txref' });
    expect(res.code).toBe(201);
    expect(calls).toEqual(['AcmeMSP dao-acme-v1 GetUsage readings', `submit dao-acme-v1 RecordUsage ${JSON.stringify(refusedEntry)}`, 'AcmeMSP dao-acme-v1 GetUsage readings']);
    const again = response();
    await expect(c.record(principal('AcmeMSP'), 'acme', '1', refusedEntry, again)).resolves.toMatchObject({ txId: 'txref' });
    expect(again.code).toBe(200);
    expect(calls.filter((x) => x.startsWith('submit'))).toHaveLength(1);
    // Another entry under the same id: USAGE_CONFLICT, nothing submitted.
    await expect(c.record(principal('AcmeMSP'), 'acme', '1', { ...refusedEntry, check: 'computation-allowed' }, response())).rejects.toMatchObject({ code: 'USAGE_CONFLICT', status: 409 });
    expect(calls.filter((x) => x.startsWith('submit'))).toHaveLength(1);
  });

  it("takes the nodes' check names, refuses other organisations and malformed entries before the ledger, and maps the chaincode's refusals", async () => {
    const { calls, controller: c } = recorder(async () => ({ txId: 'tx' }));
    await expect(c.record(principal('AcmeMSP'), 'acme', '1', { ...refusedEntry, usageId: 'op-8', check: 'party-refused' }, response())).resolves.toMatchObject({ check: 'party-refused' });
    calls.length = 0;
    await expect(c.record(principal('VspMSP', 'VSP'), 'acme', '1', refusedEntry, response())).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.record(principal('AcmeMSP'), 'acme', '1', { ...refusedEntry, check: 'who-knows' }, response())).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.record(principal('AcmeMSP'), 'acme', '1', { ...refusedEntry, check: undefined }, response())).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('body.check') });
    await expect(c.record(principal('AcmeMSP'), 'acme', '0', refusedEntry, response())).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.record(principal('AcmeMSP'), 'acme', '2', refusedEntry, response())).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(calls).toEqual([]);
    const refusing = recorder(async () => {
      throw Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { code: 10, details: [{ message: "chaincode response 500, FORBIDDEN: VspMSP may not record a refused request on AcmeMSP's dataset: its owner records refusals" }] });
    });
    await expect(refusing.controller.record(principal('AcmeMSP'), 'acme', '1', refusedEntry, response())).rejects.toMatchObject({ code: 'LEDGER_REJECTED', status: 422 });
    const down = recorder(async () => {
      throw Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 });
    });
    await expect(down.controller.record(principal('AcmeMSP'), 'acme', '1', refusedEntry, response())).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', status: 503 });
  });
});
