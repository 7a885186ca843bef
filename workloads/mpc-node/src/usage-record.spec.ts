import { createHash } from 'node:crypto';
import type { MpcMeshFile, UsageEntryInput } from '@datawell/contracts';
import type { ComputeOp } from '@datawell/mpc';
import { ownerUsage, ownerUsageEntry, UsageRecordError, type UsageRecorder } from './usage-record';

const party = (owner: string | undefined) => ({ name: 'mpc-node', endpoint: '127.0.0.1:1', certificatePem: 'x', caCertificatePem: 'y', ...(owner ? { owner } : {}) });
/** The mesh file as party `index` reads it. */
const mesh = (index: number, owners: (string | undefined)[] = ['DspMSP', 'VspMSP']): MpcMeshFile => ({ index, parties: owners.map(party) }) as unknown as MpcMeshFile;
const op: ComputeOp = {
  opId: 'comp-9',
  kind: 'compute',
  program: 'mean',
  owner: 0,
  recipients: [0],
  dataset: { name: 'readings', columns: ['kwh'] },
  fractionalBits: 16,
  ledger: { daoId: 'd1', version: 2, computation: 'mean', requester: 'VspMSP', requesterEnrollmentId: 'vsp-analyst', recipients: ['DspMSP'], owner: 'DspMSP' },
};
const params = createHash('sha256').update('{"columns":["kwh"],"fractionalBits":16}').digest('hex');

/** A stubbed bridge port (unit tests only): answers each record from `answers` in turn (undefined: recorded). */
function bridge(...answers: (Error | undefined)[]) {
  const records: Array<{ daoId: string; version: number; entry: UsageEntryInput }> = [];
  const port: UsageRecorder = {
    async recordUsage(daoId, version, entry) {
      records.push({ daoId, version, entry });
      const answer = answers[records.length - 1];
      if (answer) throw answer;
    },
  };
  return { port, records };
}

describe("the data owner's node's usage entries", () => {
  const logs: Array<[string, Record<string, unknown> | undefined]> = [];
  const log = (message: string, extra?: Record<string, unknown>) => void logs.push([message, extra]);
  const waits: number[] = [];
  const retry = { sleep: async (ms: number) => void waits.push(ms) };
  beforeEach(() => {
    logs.length = 0;
    waits.length = 0;
  });

  it('says of a refused op who asked, the dataset, the parameters\' digest and the recipients, with the check; of a failed one the code (INTERNAL when not a code)', () => {
    expect(ownerUsageEntry(op, mesh(0), { check: 'recipients-allowed' })).toEqual({
      usageId: 'comp-9',
      dataset: { owner: 'DspMSP', name: 'readings' },
      requester: { mspId: 'VspMSP', enrollmentId: 'vsp-analyst' },
      computation: 'mean',
      parametersDigest: params,
      recipients: ['DspMSP'],
      outcome: 'refused',
      check: 'recipients-allowed',
    });
    expect(ownerUsageEntry(op, mesh(0), { failure: 'MAC_CHECK_FAILED' })).toMatchObject({ outcome: 'failed', failure: 'MAC_CHECK_FAILED' });
    expect(ownerUsageEntry(op, mesh(0), { failure: 'not a code' })).toMatchObject({ outcome: 'failed', failure: 'INTERNAL' });
  });

  it("records nothing on another party's node, without the op's ledger part, or before the mesh file", () => {
    expect(ownerUsageEntry(op, mesh(1), { check: 'party-refused' })).toBeUndefined();
    expect(ownerUsageEntry(op, mesh(0, [undefined, 'VspMSP']), { check: 'mesh-owners' })).toBeUndefined();
    const { ledger: _l, ...bare } = op;
    expect(ownerUsageEntry(bare, mesh(0), { check: 'ledger' })).toBeUndefined();
    expect(ownerUsageEntry(op, undefined, { check: 'ledger' })).toBeUndefined();
  });

  it("records through the member's bridge, retrying a bridge that does not answer or answers 5xx, and logs codes only", async () => {
    const { port, records } = bridge(new UsageRecordError(true, 'LEDGER_UNAVAILABLE', 'answered 503'), undefined);
    await ownerUsage(() => mesh(0), port, log, retry).refused(op, 'party-refused');
    expect(records.map((r) => [r.daoId, r.version, r.entry.outcome, r.entry.check])).toEqual([
      ['d1', 2, 'refused', 'party-refused'],
      ['d1', 2, 'refused', 'party-refused'],
    ]);
    expect(waits).toEqual([1000]);
    expect(logs).toEqual([['usage recorded', { opId: 'comp-9', outcome: 'refused', check: 'party-refused', attempts: 2 }]]);
    const other = bridge();
    await ownerUsage(() => mesh(1), other.port, log, retry).refused(op, 'party-refused');
    expect(other.records).toEqual([]);
  });

  it('never throws: a bridge that refuses (4xx), stays down, or throws something else is logged and the node keeps going', async () => {
    const refused = bridge(new UsageRecordError(false, 'LEDGER_REJECTED', "FORBIDDEN: VspMSP may not record a refused request on DspMSP's dataset"));
    await expect(ownerUsage(() => mesh(0), refused.port, log, retry).refused(op, 'recipients-allowed')).resolves.toBeUndefined();
    expect(refused.records).toHaveLength(1);
    const down = bridge(...Array.from({ length: 3 }, () => new UsageRecordError(true, 'UNREACHABLE', 'ECONNREFUSED')));
    await expect(ownerUsage(() => mesh(0), down.port, log, retry).failed(op, 'PROTOCOL_VIOLATION')).resolves.toBeUndefined();
    expect(down.records).toHaveLength(3);
    const broken = bridge(new TypeError('boom'));
    await expect(ownerUsage(() => mesh(0), broken.port, log, retry).failed(op, 'PROTOCOL_VIOLATION')).resolves.toBeUndefined();
    expect(logs).toEqual([
      ['usage not recorded', { opId: 'comp-9', outcome: 'refused', code: 'LEDGER_REJECTED', attempts: 1 }],
      ['usage not recorded', { opId: 'comp-9', outcome: 'failed', code: 'UNREACHABLE', attempts: 3 }],
      ['usage not recorded', { opId: 'comp-9', outcome: 'failed', code: 'INTERNAL', attempts: 1 }],
    ]);
    expect(JSON.stringify(logs)).not.toContain('FORBIDDEN');
  });

  it('records no check the trail does not know, saying so', async () => {
    const { port, records } = bridge();
    await ownerUsage(() => mesh(0), port, log, retry).refused(op, 'who-knows');
    expect(records).toEqual([]);
    expect(logs).toEqual([['usage not recorded', { opId: 'comp-9', outcome: 'refused', code: 'UNKNOWN_CHECK' }]]);
  });
});
