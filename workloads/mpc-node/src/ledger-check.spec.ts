import type { MpcMeshFile } from '@datawell/contracts';
import type { ComputeOp } from '@datawell/mpc';
import { ControlError } from './control.server';
import { checkComputeOp, checkOpParties, ledgerGate, LedgerUnavailableError, versionViewOf, type LedgerReader } from './ledger-check';

const party = (owner?: string) => ({ name: `${owner ?? 'x'}/node`, endpoint: 'h:1', certificatePem: 'c', caCertificatePem: 'ca', ...(owner ? { owner } : {}) });
const mesh: MpcMeshFile = { index: 0, parties: [party('DspMSP'), party('Vsp1MSP'), party('Vsp2MSP')] };
const ledger = { daoId: 'd1', version: 2, computation: 'mean', requester: 'Vsp1MSP', recipients: ['Vsp1MSP'], owner: 'DspMSP' };
const op: ComputeOp = { opId: 'cmp-1', kind: 'compute', program: 'mean', owner: 0, recipients: [1], dataset: { name: 'r', columns: ['y'] }, fractionalBits: 16, ledger };

/** GetVersion's JSON as the dao chaincode returns it (versions.ts getVersion), with fields the check does not read. */
const state = (over: Record<string, unknown> = {}) => ({
  daoId: 'd1',
  version: 2,
  channel: 'dao-d1-v2',
  status: 'active',
  betaPpm: 100000,
  members: ['DspMSP', 'Vsp1MSP', 'Vsp2MSP'],
  terms: { durationDays: 30, computations: [{ name: 'mean', resultRecipients: ['Vsp1MSP'] }, { name: 'variance', resultRecipients: ['Vsp2MSP'] }] },
  memberStates: [
    { mspId: 'DspMSP', group: 'D', level: 0, role: 'DSP', weight: 1, ownershipPpm: 500000, status: 'active', lastHeartbeatMs: 5 },
    { mspId: 'Vsp1MSP', group: 'J1', level: 1, role: 'VSP', weight: 1, ownershipPpm: 300000, status: 'active' },
    { mspId: 'Vsp2MSP', group: 'J2', level: 2, role: 'VSP', weight: 1, ownershipPpm: 200000, status: 'exited', endReason: 'exit' },
  ],
  ...over,
});

/** The stubbed port to the member's ledger (unit tests only): the reads it was asked for. */
function reader(answer: () => Promise<unknown>) {
  const reads: Array<[string, number]> = [];
  const port: LedgerReader = {
    versionState: async (daoId, version) => {
      reads.push([daoId, version]);
      return answer();
    },
  };
  return { port, reads };
}

describe("a node's check of a compute op against its own ledger", () => {
  it('maps GetVersion to the rule\'s version view', () => {
    expect(versionViewOf(state())).toEqual({
      daoId: 'd1',
      version: 2,
      members: [
        { mspId: 'DspMSP', role: 'DSP', group: 'D', status: 'active' },
        { mspId: 'Vsp1MSP', role: 'VSP', group: 'J1', status: 'active' },
        { mspId: 'Vsp2MSP', role: 'VSP', group: 'J2', status: 'exited' },
      ],
      computations: [
        { name: 'mean', resultRecipients: ['Vsp1MSP'] },
        { name: 'variance', resultRecipients: ['Vsp2MSP'] },
      ],
    });
    expect(versionViewOf({ daoId: 'd1' })).toBeUndefined();
    expect(versionViewOf(state({ memberStates: [{ mspId: 'A', role: 'DSP', group: 'D', status: 'gone' }] }))).toBeUndefined();
  });

  it('allows what the ledger allows, reading the version of the op', async () => {
    const { port, reads } = reader(async () => state());
    await expect(checkComputeOp(op, mesh, port)).resolves.toEqual({ allowed: true });
    expect(reads).toEqual([['d1', 2]]);
  });

  it.each([
    ['an op without its ledger part', { ledger: undefined }, mesh, 'ledger', /no ledger part/],
    ['a mesh file without owners', {}, { ...mesh, parties: [party('DspMSP'), party(), party('Vsp2MSP')] }, 'mesh-owners', /does not name every party's member/],
    ['a program other than the computation named', { program: 'sum' }, mesh, 'op-parties', /runs sum but names computation mean/],
    ['an owner party that is not the data owner\'s node', { owner: 1 }, mesh, 'op-parties', /party 1 is not the node of the data owner DspMSP/],
    ['recipient parties that are not the recipients\' nodes', { recipients: [2] }, mesh, 'op-parties', /recipient parties are not the nodes of Vsp1MSP/],
    ['more recipient parties than recipients', { recipients: [1, 0] }, mesh, 'op-parties', /recipient parties/],
  ] as const)('refuses %s without reading the ledger', async (_what, over, m, check, message) => {
    const { port, reads } = reader(async () => state());
    const o = { ...op, ...over } as ComputeOp;
    if ('ledger' in over) delete (o as { ledger?: unknown }).ledger;
    await expect(checkComputeOp(o, m, port)).resolves.toEqual({ allowed: false, check, message: expect.stringMatching(message) });
    expect(checkOpParties(o, m)).toMatchObject({ allowed: false, check });
    expect(reads).toEqual([]);
  });

  it.each([
    ['a requester who is not a member', { ledger: { ...ledger, requester: 'OtherMSP' } }, state(), 'requester-member'],
    ['a requester who left', { ledger: { ...ledger, requester: 'Vsp2MSP' } }, state(), 'requester-active'],
    ['a computation outside the terms', { program: 'sum', ledger: { ...ledger, computation: 'sum' } }, state(), 'computation-allowed'],
    ['recipients other than the terms\'', { recipients: [0], ledger: { ...ledger, recipients: ['DspMSP'] } }, state(), 'recipients-allowed'],
    ['an inactive recipient', { program: 'variance', recipients: [2], ledger: { ...ledger, computation: 'variance', recipients: ['Vsp2MSP'] } }, state(), 'recipients-active'],
    ['wrong columns', { dataset: { name: 'r', columns: ['x', 'y'] } }, state(), 'parameters'],
    ['a data owner who is no DSP', { owner: 1, ledger: { ...ledger, owner: 'Vsp1MSP' } }, state(), 'dataset-owner'],
    ['a data owner who left', {}, state({ memberStates: state().memberStates.map((m) => (m.mspId === 'DspMSP' ? { ...m, status: 'abandoned' } : m)) }), 'owner-active'],
    ['a version its ledger does not have', {}, undefined, 'ledger'],
    ['a state that is no version', {}, { daoId: 'd1' }, 'ledger-state'],
    ['a state of another version', {}, state({ version: 3 }), 'ledger-state'],
  ] as const)('refuses %s as its ledger shows it', async (_what, over, answer, check) => {
    const { port } = reader(async () => answer);
    await expect(checkComputeOp({ ...op, ...over } as ComputeOp, mesh, port)).resolves.toMatchObject({ allowed: false, check });
  });

  it('lets an unreadable ledger through to the caller', async () => {
    const { port } = reader(async () => {
      throw new LedgerUnavailableError('down');
    });
    await expect(checkComputeOp(op, mesh, port)).rejects.toBeInstanceOf(LedgerUnavailableError);
  });
});

describe("the node's gate on compute ops", () => {
  const logs: Array<[string, Record<string, unknown> | undefined]> = [];
  const log = (message: string, extra?: Record<string, unknown>) => void logs.push([message, extra]);
  beforeEach(() => (logs.length = 0));

  it('passes an allowed op and logs the decision', async () => {
    await expect(ledgerGate(() => mesh, reader(async () => state()).port, log)(op)).resolves.toBeUndefined();
    expect(logs).toEqual([['ledger check: allowed', { opId: 'cmp-1' }]]);
  });

  it('refuses 403 NOT_ALLOWED naming the check (in the message too), logging the op id and the check only', async () => {
    const error = (await ledgerGate(() => mesh, reader(async () => state()).port, log)({ ...op, ledger: { ...ledger, requester: 'OtherMSP' } }).catch((e: unknown) => e)) as ControlError;
    expect(error).toBeInstanceOf(ControlError);
    expect([error.status, error.code, error.check]).toEqual([403, 'NOT_ALLOWED', 'requester-member']);
    expect(error.message).toBe('check requester-member: OtherMSP is not a member of d1 version 2');
    expect(logs).toEqual([['ledger check: refused', { opId: 'cmp-1', code: 'NOT_ALLOWED', check: 'requester-member' }]]);
  });

  it('answers 503 LEDGER_UNAVAILABLE when the ledger cannot be read, and lets other errors through', async () => {
    const down = reader(async () => {
      throw new LedgerUnavailableError('the ledger bridge did not answer GET /daos/d1/versions/2/state: ECONNREFUSED');
    });
    await expect(ledgerGate(() => mesh, down.port, log)(op)).rejects.toMatchObject({ status: 503, code: 'LEDGER_UNAVAILABLE', message: expect.stringMatching(/cannot read its member's ledger: .*ECONNREFUSED/) });
    expect(logs[0]).toEqual(['ledger check: ledger unavailable', expect.objectContaining({ opId: 'cmp-1', code: 'LEDGER_UNAVAILABLE' })]);
    const bug = reader(async () => {
      throw new TypeError('bug');
    });
    await expect(ledgerGate(() => mesh, bug.port, log)(op)).rejects.toBeInstanceOf(TypeError);
  });
});
