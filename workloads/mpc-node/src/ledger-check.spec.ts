import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parametersDigest, type MpcMeshFile } from '@datawell/contracts';
import { computationRequestSigningText, outdatedComputationRequestSigningText } from '@datawell/domain';
import { createMpcCa, issueMpcCertificate, REQUEST_WINDOW_MS, type ComputeOp, type MpcCa, type TlsIdentity } from '@datawell/mpc';
import { ControlError } from './control.server';
import { checkComputeOp, checkOpParties, ledgerGate, LedgerUnavailableError, versionViewOf, type LedgerReader, type RequestCheckOptions } from './ledger-check';
import { RequestMemory } from './request-memory';

const party = (owner?: string) => ({ name: `${owner ?? 'x'}/node`, endpoint: 'h:1', certificatePem: 'c', caCertificatePem: 'ca', ...(owner ? { owner } : {}) });
const mesh: MpcMeshFile = { index: 0, parties: [party('DspMSP'), party('Vsp1MSP'), party('Vsp2MSP')] };
const NOW = Date.now();
const unsigned = { daoId: 'd1', version: 2, computation: 'mean', requester: 'Vsp1MSP', recipients: ['Vsp1MSP'], owner: 'DspMSP' };

/** Each organisation's CA on the channel, an outside CA, and an identity of each (Vsp1MSP's the requester's). */
let cas: Record<'DspMSP' | 'Vsp1MSP' | 'Vsp2MSP' | 'Outside', MpcCa>;
let ids: Record<keyof typeof cas, TlsIdentity>;
beforeAll(async () => {
  const names = ['DspMSP', 'Vsp1MSP', 'Vsp2MSP', 'Outside'] as const;
  const made = await Promise.all(names.map((n) => createMpcCa(`${n} CA`)));
  cas = Object.fromEntries(names.map((n, i) => [n, made[i]!])) as typeof cas;
  const issued = await Promise.all(names.map((n) => issueMpcCertificate(cas[n], `${n.toLowerCase()}-user`)));
  ids = Object.fromEntries(names.map((n, i) => [n, issued[i]!])) as typeof ids;
});

type Ledger = NonNullable<ComputeOp['ledger']>;
/** The requester's signature over `over` (default: the op's own fields), made with `by`'s key and certificate. */
type SignOptions = { issuedAtMs?: number; requestId?: string; dataset?: string; columns?: string[]; fractionalBits?: number; precision?: string; v1?: boolean };
function signedBy(by: keyof typeof cas, l: Omit<Ledger, 'request'> = unsigned, options: SignOptions = {}): Ledger['request'] {
  const requestId = options.requestId ?? 'req-1';
  const issuedAtMs = options.issuedAtMs ?? NOW - 1000;
  const fields = { requestId, issuedAtMs, daoId: l.daoId, version: l.version, computation: l.computation, dataset: options.dataset ?? 'r', recipients: l.recipients, requester: l.requester };
  const text = options.v1
    ? outdatedComputationRequestSigningText(fields)
    : computationRequestSigningText({ ...fields, owner: l.owner, parametersDigest: parametersDigest({ columns: options.columns ?? ['y'], fractionalBits: options.fractionalBits ?? 16, precision: options.precision }) });
  return { requestId, issuedAtMs, certificatePem: ids[by].cert, signature: sign('sha256', Buffer.from(text, 'utf8'), createPrivateKey(ids[by].key)).toString('base64') };
}
/** The op's ledger part as an honest coordinator passes it: signed by the requester over exactly these fields (and the op's dataset ['y'], 16 bits unless told). */
const signedLedger = (l: Omit<Ledger, 'request'> = unsigned, by: keyof typeof cas = 'Vsp1MSP', options: SignOptions = {}): Ledger => ({ ...l, request: signedBy(by, l, options) });
const baseOp = (l: Ledger): ComputeOp => ({ opId: 'cmp-1', kind: 'compute', program: 'mean', owner: 0, recipients: [1], dataset: { name: 'r', columns: ['y'] }, fractionalBits: 16, ledger: l });
const fresh = (): RequestCheckOptions => ({ requests: new RequestMemory(), now: () => NOW });

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

/** The stubbed port to the member's ledger (unit tests only): the reads it was asked for; the channel's roots are each organisation's CA. */
function reader(answer: () => Promise<unknown>, roots?: () => Record<string, string[]> | undefined) {
  const reads: Array<[string, number]> = [];
  const port: LedgerReader = {
    versionState: async (daoId, version) => {
      reads.push([daoId, version]);
      return answer();
    },
    organisationRoots: async (daoId, version) => {
      reads.push([`roots ${daoId}`, version]);
      return roots ? roots() : { DspMSP: [cas.DspMSP.cert], Vsp1MSP: [cas.Vsp1MSP.cert], Vsp2MSP: [cas.Vsp2MSP.cert] };
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

  it('allows what the ledger allows, reading the version of the op, then the channel\'s roots', async () => {
    const { port, reads } = reader(async () => state());
    await expect(checkComputeOp(baseOp(signedLedger()), mesh, port, fresh())).resolves.toEqual({ allowed: true });
    expect(reads).toEqual([['d1', 2], ['roots d1', 2]]);
    // A mesh that says it serves that version: the same.
    await expect(checkComputeOp(baseOp(signedLedger()), { ...mesh, serves: { daoId: 'd1', version: 2, revision: 4 } }, port, fresh())).resolves.toEqual({ allowed: true });
  });

  it.each([
    ['an op without its ledger part', { ledger: undefined }, mesh, 'ledger', /no ledger part/],
    ['a mesh file without owners', {}, { ...mesh, parties: [party('DspMSP'), party(), party('Vsp2MSP')] }, 'mesh-owners', /does not name every party's member/],
    ['a program other than the computation named', { program: 'sum' }, mesh, 'op-parties', /runs sum but names computation mean/],
    ['an owner party that is not the data owner\'s node', { owner: 1 }, mesh, 'op-parties', /party 1 is not the node of the data owner DspMSP/],
    ['recipient parties that are not the recipients\' nodes', { recipients: [2] }, mesh, 'op-parties', /recipient parties are not the nodes of Vsp1MSP/],
    ['more recipient parties than recipients', { recipients: [1, 0] }, mesh, 'op-parties', /recipient parties/],
    ['an op of another version than the one its mesh serves', {}, { ...mesh, serves: { daoId: 'd1', version: 3, revision: 1 } }, 'op-parties', /mesh serves version 3 of DAO d1, not version 2 of DAO d1/],
    ['an op of another DAO than the one its mesh serves', {}, { ...mesh, serves: { daoId: 'd9', version: 2, revision: 1 } }, 'op-parties', /mesh serves version 2 of DAO d9, not version 2 of DAO d1/],
  ] as const)('refuses %s without reading the ledger', async (_what, over, m, check, message) => {
    const { port, reads } = reader(async () => state());
    const o = { ...baseOp(signedLedger()), ...over } as ComputeOp;
    if ('ledger' in over) delete (o as { ledger?: unknown }).ledger;
    await expect(checkComputeOp(o, m, port, fresh())).resolves.toEqual({ allowed: false, check, message: expect.stringMatching(message) });
    expect(checkOpParties(o, m)).toMatchObject({ allowed: false, check });
    expect(reads).toEqual([]);
  });

  it.each([
    ['a requester who is not a member', { ledger: { ...unsigned, requester: 'OtherMSP' } }, state(), 'requester-member'],
    ['a requester who left', { ledger: { ...unsigned, requester: 'Vsp2MSP' } }, state(), 'requester-active'],
    ['a computation outside the terms', { program: 'sum', ledger: { ...unsigned, computation: 'sum' } }, state(), 'computation-allowed'],
    ['recipients other than the terms\'', { recipients: [0], ledger: { ...unsigned, recipients: ['DspMSP'] } }, state(), 'recipients-allowed'],
    ['an inactive recipient', { program: 'variance', recipients: [2], ledger: { ...unsigned, computation: 'variance', recipients: ['Vsp2MSP'] } }, state(), 'recipients-active'],
    ['wrong columns', { dataset: { name: 'r', columns: ['x', 'y'] } }, state(), 'parameters'],
    ['a data owner who is no DSP', { owner: 1, ledger: { ...unsigned, owner: 'Vsp1MSP' } }, state(), 'dataset-owner'],
    ['a data owner who left', {}, state({ memberStates: state().memberStates.map((m) => (m.mspId === 'DspMSP' ? { ...m, status: 'abandoned' } : m)) }), 'owner-active'],
    ['a version its ledger does not have', {}, undefined, 'ledger'],
    ['a state that is no version', {}, { daoId: 'd1' }, 'ledger-state'],
    ['a state of another version', {}, state({ version: 3 }), 'ledger-state'],
  ] as const)('refuses %s as its ledger shows it, the request signed by its requester', async (_what, over, answer, check) => {
    const { port } = reader(async () => answer);
    const o = { ...baseOp(signedLedger()), ...over } as ComputeOp;
    const l = o.ledger!;
    // Signed by the requester it names (an identity of its own CA; OtherMSP's from a CA outside the channel).
    o.ledger = signedLedger({ daoId: l.daoId, version: l.version, computation: l.computation, requester: l.requester, recipients: l.recipients, owner: l.owner }, l.requester in cas ? (l.requester as keyof typeof cas) : 'Outside', { columns: o.dataset.columns, fractionalBits: o.fractionalBits });
    await expect(checkComputeOp(o, mesh, port, fresh())).resolves.toMatchObject({ allowed: false, check });
  });

  it('lets an unreadable ledger through to the caller', async () => {
    const { port } = reader(async () => {
      throw new LedgerUnavailableError('down');
    });
    await expect(checkComputeOp(baseOp(signedLedger()), mesh, port, fresh())).rejects.toBeInstanceOf(LedgerUnavailableError);
  });
});

describe("a node's check of the requester's signature (a coordinator that lies)", () => {
  const refusedWith = async (o: ComputeOp, message: RegExp, options = fresh(), roots?: () => Record<string, string[]> | undefined) => {
    const { port, reads } = reader(async () => state(), roots);
    await expect(checkComputeOp(o, mesh, port, options)).resolves.toEqual({ allowed: false, check: 'requester-signature', message: expect.stringMatching(message) });
    return reads;
  };

  it('refuses an op without the requester\'s signature, before reading the ledger', async () => {
    expect(await refusedWith(baseOp(unsigned), /no signature of its requester Vsp1MSP/)).toEqual([]);
  });

  it('refuses an op whose recipients the coordinator changed after the requester signed', async () => {
    // Vsp2MSP is a member too, and would be an allowed recipient of `variance`: the signature is over Vsp1MSP only.
    const l = { ...signedLedger(), recipients: ['Vsp2MSP'] };
    expect(await refusedWith({ ...baseOp(l), recipients: [2] }, /REQUEST_SIGNATURE_INVALID/)).toEqual([]);
  });

  it('refuses an op whose computation or dataset the coordinator changed', async () => {
    await refusedWith({ ...baseOp({ ...signedLedger(), computation: 'variance' }), program: 'variance' }, /REQUEST_SIGNATURE_INVALID/);
    await refusedWith({ ...baseOp(signedLedger()), dataset: { name: 'other', columns: ['y'] } }, /REQUEST_SIGNATURE_INVALID/);
  });

  it('refuses an op whose precision is not the one the requester signed', async () => {
    // Signed at the default precision (fxp32): the coordinator may not lower it to fxp16, nor raise a signed fxp16.
    await refusedWith({ ...baseOp(signedLedger()), precision: 'fxp16' }, /REQUEST_SIGNATURE_INVALID/);
    const fxp16 = signedLedger(unsigned, 'Vsp1MSP', { precision: 'fxp16' });
    await refusedWith({ ...baseOp(fxp16), precision: 'fxp32' }, /REQUEST_SIGNATURE_INVALID/);
    await refusedWith(baseOp(fxp16), /REQUEST_SIGNATURE_INVALID/);
    // As signed it is allowed; the default named explicitly is the default.
    await expect(checkComputeOp({ ...baseOp(fxp16), precision: 'fxp16' }, mesh, reader(async () => state()).port, fresh())).resolves.toEqual({ allowed: true });
    await expect(checkComputeOp({ ...baseOp(signedLedger()), precision: 'fxp32' }, mesh, reader(async () => state()).port, fresh())).resolves.toEqual({ allowed: true });
  });

  it("refuses an op whose columns, fractional bits or data owner the coordinator changed after the requester signed", async () => {
    // The requester signed the mean of column y of DspMSP's dataset, 16 fractional bits.
    await refusedWith({ ...baseOp(signedLedger()), dataset: { name: 'r', columns: ['salary'] } }, /REQUEST_SIGNATURE_INVALID/);
    await refusedWith({ ...baseOp(signedLedger()), fractionalBits: 8 }, /REQUEST_SIGNATURE_INVALID/);
    // Another data owner's dataset of the same name: the mesh's party 1 is Vsp1MSP's node.
    const mesh2: MpcMeshFile = { index: 0, parties: [party('Vsp2MSP'), party('Vsp1MSP'), party('DspMSP')] };
    const { port, reads } = reader(async () => state());
    await expect(checkComputeOp({ ...baseOp({ ...signedLedger(), owner: 'Vsp2MSP' }) }, mesh2, port, fresh())).resolves.toEqual({ allowed: false, check: 'requester-signature', message: expect.stringMatching(/REQUEST_SIGNATURE_INVALID/) });
    expect(reads).toEqual([]);
    // The same op as signed is allowed: the refusals above come from the changes.
    await expect(checkComputeOp(baseOp(signedLedger()), mesh, reader(async () => state()).port, fresh())).resolves.toEqual({ allowed: true });
  });

  it('refuses a request signed as the outdated v1, which bound neither the parameters nor the data owner, naming its code', async () => {
    const l = { ...unsigned, request: signedBy('Vsp1MSP', unsigned, { v1: true }) };
    expect(await refusedWith(baseOp(l), /^REQUEST_SIGNATURE_OUTDATED: the request is signed as datawell\.computation-request\.v1/)).toEqual([]);
  });

  it('refuses an op naming another requester than the one who signed', async () => {
    // Vsp1MSP signed, the coordinator names DspMSP (an active member) as the requester.
    await refusedWith(baseOp({ ...signedLedger(), requester: 'DspMSP' }), /REQUEST_SIGNATURE_INVALID/);
  });

  it("refuses a signature by a certificate of another CA than the requester's on the channel", async () => {
    // A key of the coordinator's own (a CA outside the channel) signing as Vsp1MSP: the text verifies, the issuer does not.
    const reads = await refusedWith(baseOp(signedLedger(unsigned, 'Outside')), /not issued by a CA of Vsp1MSP/);
    expect(reads).toEqual([['d1', 2], ['roots d1', 2]]);
    // Another member's identity (DspMSP's) signing as Vsp1MSP.
    await refusedWith(baseOp(signedLedger(unsigned, 'DspMSP')), /not issued by a CA of Vsp1MSP/);
    // A channel config without the requester's roots.
    await refusedWith(baseOp(signedLedger()), /has no root certificate of Vsp1MSP/, fresh(), () => ({ DspMSP: [cas.DspMSP.cert] }));
  });

  it('refuses a stale request, and one signed for the future', async () => {
    const stale = { ...unsigned, request: signedBy('Vsp1MSP', unsigned, { issuedAtMs: NOW - REQUEST_WINDOW_MS - 1 }) };
    await refusedWith(baseOp(stale), /REQUEST_STALE/);
    const ahead = { ...unsigned, request: signedBy('Vsp1MSP', unsigned, { issuedAtMs: NOW + 10 * 60_000 }) };
    await refusedWith(baseOp(ahead), /REQUEST_STALE/);
  });

  it('takes part once per request id: another op under it is a replay, the same op again is not', async () => {
    const options = fresh();
    const { port } = reader(async () => state());
    const l = signedLedger();
    await expect(checkComputeOp(baseOp(l), mesh, port, options)).resolves.toEqual({ allowed: true });
    await expect(checkComputeOp(baseOp(l), mesh, port, options)).resolves.toEqual({ allowed: true });
    await refusedWith({ ...baseOp(l), opId: 'cmp-2' }, /req-1 was taken part in already \(op cmp-1\)/, options);
    // A refused op does not take its request id.
    const other = fresh();
    await refusedWith(baseOp({ ...signedLedger(), requester: 'DspMSP' }), /REQUEST_SIGNATURE_INVALID/, other);
    await expect(checkComputeOp({ ...baseOp(l), opId: 'cmp-3' }, mesh, port, other)).resolves.toEqual({ allowed: true });
  });

  it('still refuses the replay after a restart: the node in its domain keeps the taken ids in its folder', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'node-requests-')), 'requests-taken.jsonl');
    const { port } = reader(async () => state());
    const l = signedLedger();
    await expect(checkComputeOp(baseOp(l), mesh, port, { requests: new RequestMemory(file), now: () => NOW })).resolves.toEqual({ allowed: true });
    // The node restarted: a new memory over the same file.
    await refusedWith({ ...baseOp(l), opId: 'cmp-2' }, /req-1 was taken part in already \(op cmp-1\)/, { requests: new RequestMemory(file), now: () => NOW });
    // Without the file (the memory of a process only), the restarted node would have taken part again.
    await expect(checkComputeOp({ ...baseOp(l), opId: 'cmp-2' }, mesh, port, fresh())).resolves.toEqual({ allowed: true });
  });
});

describe("the node's gate on compute ops", () => {
  const logs: Array<[string, Record<string, unknown> | undefined]> = [];
  const log = (message: string, extra?: Record<string, unknown>) => void logs.push([message, extra]);
  beforeEach(() => (logs.length = 0));

  it('passes an allowed op and logs the decision', async () => {
    await expect(ledgerGate(() => mesh, reader(async () => state()).port, log, fresh())(baseOp(signedLedger()))).resolves.toBeUndefined();
    expect(logs).toEqual([['ledger check: allowed', { opId: 'cmp-1' }]]);
  });

  it('refuses 403 NOT_ALLOWED naming the check (in the message too), logging the op id and the check only', async () => {
    const error = (await ledgerGate(() => mesh, reader(async () => state()).port, log, fresh())(baseOp(signedLedger({ ...unsigned, requester: 'OtherMSP' }, 'Outside'))).catch((e: unknown) => e)) as ControlError;
    expect(error).toBeInstanceOf(ControlError);
    expect([error.status, error.code, error.check]).toEqual([403, 'NOT_ALLOWED', 'requester-member']);
    expect(error.message).toBe('check requester-member: OtherMSP is not a member of d1 version 2');
    expect(logs).toEqual([['ledger check: refused', { opId: 'cmp-1', code: 'NOT_ALLOWED', check: 'requester-member' }]]);
    const unsignedError = (await ledgerGate(() => mesh, reader(async () => state()).port, log, fresh())(baseOp(unsigned)).catch((e: unknown) => e)) as ControlError;
    expect([unsignedError.status, unsignedError.code, unsignedError.check]).toEqual([403, 'NOT_ALLOWED', 'requester-signature']);
  });

  it('answers 503 LEDGER_UNAVAILABLE when the ledger cannot be read, and lets other errors through', async () => {
    const down = reader(async () => {
      throw new LedgerUnavailableError('the ledger bridge did not answer GET /daos/d1/versions/2/state: ECONNREFUSED');
    });
    await expect(ledgerGate(() => mesh, down.port, log, fresh())(baseOp(signedLedger()))).rejects.toMatchObject({ status: 503, code: 'LEDGER_UNAVAILABLE', message: expect.stringMatching(/cannot read its member's ledger: .*ECONNREFUSED/) });
    expect(logs[0]).toEqual(['ledger check: ledger unavailable', expect.objectContaining({ opId: 'cmp-1', code: 'LEDGER_UNAVAILABLE' })]);
    const bug = reader(async () => {
      throw new TypeError('bug');
    });
    await expect(ledgerGate(() => mesh, bug.port, log, fresh())(baseOp(signedLedger()))).rejects.toBeInstanceOf(TypeError);
  });
});
