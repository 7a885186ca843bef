import { createPrivateKey, sign } from 'node:crypto';
import { parametersDigest } from '@datawell/contracts';
import { computationRequestSigningText } from '@datawell/domain';
import { signComputationRequest, type SignedOver } from '@datawell/testing';
import { computeOpSchema, createMpcCa, issueMpcCertificate, REQUEST_WINDOW_MS, type MpcCa, type TlsIdentity } from '@datawell/mpc';
import type { MpcCoordinatorSettings } from '../config';
import type { DaoVersionView } from './authorization';
import { PUBLIC_TWO_MEMBER_VERSION } from './version.spec-helper';
import type { ComputationRecord, CoordinatorRepository } from './computations.repository';
import { CoordinatorError } from './computations.errors';
import { ComputationsService } from './computations.service';
import type { NodeClient } from './node-client.adapter';

const NOW = 1_800_000_000_000;
const version: DaoVersionView = PUBLIC_TWO_MEMBER_VERSION;
const settings = { topics: { ledgerEvents: 'e' }, consumerGroupId: 'g', queue: 'q', topUpIntervalMs: 0, stock: { triples: 1000, masks: 100 }, nodeTimeoutMs: 1000, refusals: { perWindow: 30, windowSeconds: 600 } } as MpcCoordinatorSettings;

let vspCa: MpcCa;
let dspCa: MpcCa;
let analyst: TlsIdentity;
beforeAll(async () => {
  [vspCa, dspCa] = await Promise.all([createMpcCa('Vsp1MSP CA', 36500), createMpcCa('DspMSP CA', 36500)]);
  analyst = await issueMpcCertificate(vspCa, 'vsp-analyst', 36500);
});

const request = { daoId: 'd1', version: 1, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'r', owner: 'DspMSP' }, recipients: ['Vsp1MSP'], requestId: 'req-1' };
/** The body as the requester sends it: signed with `by`'s key (as Vsp1MSP unless `over` names another requester) over `over` (default: the body's own fields). */
function signedBody(by: TlsIdentity = analyst, over: SignedOver & { issuedAtMs?: number } = {}) {
  const { issuedAtMs = NOW - 5000, ...signedOver } = over;
  return signComputationRequest({ mspId: 'Vsp1MSP', certificatePem: by.cert, privateKeyPem: by.key }, request, { issuedAtMs, over: signedOver });
}

function setup() {
  const inserted: Array<Omit<ComputationRecord, 'status' | 'progress' | 'createdAt' | 'updatedAt'>> = [];
  const repo = {
    version: jest.fn(async () => version),
    insert: jest.fn(async (c: (typeof inserted)[number]) => (inserted.push(c), true)),
    get: jest.fn(async () => ({ ...inserted.at(-1)!, status: 'queued', progress: 0, createdAt: '', updatedAt: '' })),
  };
  const deps: ConstructorParameters<typeof ComputationsService>[0] = {
    repository: repo as unknown as CoordinatorRepository,
    jobs: { addComputation: jest.fn() },
    nodes: {} as NodeClient,
    settings,
    logger: { log: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() },
    refusals: { take: async () => ({ allowed: true }) },
    directory: { get: async (msp: string) => ({ Vsp1MSP: { role: 'VSP', caCertPem: vspCa.cert }, DspMSP: { role: 'DSP', caCertPem: dspCa.cert } })[msp] },
    now: () => NOW,
  };
  return { service: new ComputationsService(deps), deps, repo, inserted };
}

const refusal = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as CoordinatorError;

describe("the coordinator's check of the requester's signature", () => {
  it('takes a request signed by an identity of the caller\'s organisation, keeps the signature and passes it on in the op', async () => {
    const { service, deps, inserted } = setup();
    const body = signedBody();
    await expect(service.request('Vsp1MSP', body, 'vsp-analyst')).resolves.toMatchObject({ created: true });
    const signed = { requestId: 'req-1', issuedAtMs: body.issuedAtMs, certificatePem: body.certificatePem, signature: body.signature };
    expect(inserted[0]!.request).toEqual(signed);
    // What the nodes receive: the op's ledger part carries it, and the op schema takes it.
    const op = jest.fn(async () => ({ opId: 'x', party: 0, rows: 1, made: { triples: 0, masks: 0 }, onlineMs: 1, inventory: { party: 0, parties: 2, triples: 0, squares: 0, masks: [0, 0] } }));
    const record = { ...inserted[0]!, status: 'queued', progress: 0, createdAt: '', updatedAt: '' } as ComputationRecord;
    const running = new ComputationsService({
      ...deps,
      repository: {
        get: async () => record,
        version: async () => version,
        nodes: async () => [
          { mspId: 'DspMSP', partyIndex: 0, controlUrl: 'http://n0', source: 'member' },
          { mspId: 'Vsp1MSP', partyIndex: 1, controlUrl: 'http://n1', source: 'member' },
        ],
        markRunning: async () => undefined,
        fail: async () => undefined,
        complete: async () => undefined,
      } as unknown as CoordinatorRepository,
      nodes: { op } as unknown as NodeClient,
    });
    await running.compute(record.id, async () => undefined).catch(() => undefined);
    const sent = (op.mock.calls[0] as unknown[])[1] as { ledger: { request: unknown } };
    expect(sent.ledger.request).toEqual(signed);
    expect(computeOpSchema.safeParse(sent).success).toBe(true);
  });

  it('refuses an unsigned request, 400 REQUEST_SIGNATURE_REQUIRED, storing nothing', async () => {
    const { service, repo } = setup();
    const error = await refusal(service.request('Vsp1MSP', request, 'vsp-analyst'));
    expect([error.code, error.kind, error.message]).toEqual([
      'REQUEST_SIGNATURE_REQUIRED',
      'invalid',
      'a computation request must be signed by its requester: issuedAtMs, certificatePem and signature over computationRequestSigningText (datawell.computation-request.v2)',
    ]);
    expect(repo.insert).not.toHaveBeenCalled();
  });

  it.each([
    ['a signature over other recipients', () => signedBody(analyst, { recipients: ['DspMSP'] }), 'REQUEST_SIGNATURE_INVALID'],
    ['a signature naming another requester', () => signedBody(analyst, { requester: 'DspMSP' }), 'REQUEST_SIGNATURE_INVALID'],
    ['a signature over other columns', () => signedBody(analyst, { columns: ['salary'] }), 'REQUEST_SIGNATURE_INVALID'],
    ['a signature over other fractional bits', () => signedBody(analyst, { fractionalBits: 8 }), 'REQUEST_SIGNATURE_INVALID'],
    ["a signature over another data owner's dataset", () => signedBody(analyst, { owner: 'Dsp2MSP' }), 'REQUEST_SIGNATURE_INVALID'],
    ['a signature over the outdated v1 text', () => signedBody(analyst, { v1: true }), 'REQUEST_SIGNATURE_OUTDATED'],
    ['a garbled signature', () => ({ ...signedBody(), signature: 'AAAA' }), 'REQUEST_SIGNATURE_INVALID'],
    ['a certificate that is no certificate', () => ({ ...signedBody(), certificatePem: 'nope' }), 'REQUEST_CERTIFICATE_INVALID'],
    ['a stale signature', () => signedBody(analyst, { issuedAtMs: NOW - REQUEST_WINDOW_MS - 1 }), 'REQUEST_STALE'],
    ['a signature without its time', () => ({ ...signedBody(), issuedAtMs: undefined }), 'INVALID_REQUEST'],
    ['a signature without a request id', () => ({ ...signedBody(), requestId: undefined }), 'INVALID_REQUEST'],
    ['a signature without the recipients', () => ({ ...signedBody(), recipients: undefined }), 'INVALID_REQUEST'],
    ["a signature without the dataset's owner", () => ({ ...signedBody(), dataset: { name: 'r' } }), 'INVALID_REQUEST'],
  ] as const)('refuses %s with 400 %s, storing nothing', async (_what, body, code) => {
    const { service, repo } = setup();
    const error = await refusal(service.request('Vsp1MSP', JSON.parse(JSON.stringify(body())), 'vsp-analyst'));
    expect(error).toBeInstanceOf(CoordinatorError);
    expect([error.code, error.kind]).toEqual([code, 'invalid']);
    expect(repo.insert).not.toHaveBeenCalled();
  });

  it('says why a v1 signature is refused, in one line', async () => {
    const error = await refusal(setup().service.request('Vsp1MSP', signedBody(analyst, { v1: true }), 'vsp-analyst'));
    expect(error.message).toBe(
      'the request is signed as datawell.computation-request.v1, which binds neither its parameters nor its data owner: no longer taken; sign datawell.computation-request.v2 (computationRequestSigningText of @datawell/domain)',
    );
  });

  it('signs the fractional bits the coordinator fills in: a body without them is signed as 16', async () => {
    const { service, inserted } = setup();
    await expect(service.request('Vsp1MSP', signedBody(analyst, { fractionalBits: 16 }), 'vsp-analyst')).resolves.toMatchObject({ created: true });
    expect(inserted[0]!.parameters).toEqual({ columns: ['y'], fractionalBits: 16 });
  });

  it('takes a precision the requester signed, and refuses one it did not sign or does not know', async () => {
    const body = { ...request, parameters: { columns: ['y'], precision: 'fxp16' } };
    const issuedAtMs = NOW - 5000;
    const text = computationRequestSigningText({
      requestId: 'req-1', daoId: 'd1', version: 1, computation: 'mean', dataset: 'r', owner: 'DspMSP', recipients: ['Vsp1MSP'], requester: 'Vsp1MSP', issuedAtMs,
      parametersDigest: parametersDigest({ columns: ['y'], fractionalBits: 16, precision: 'fxp16' }),
    });
    const signed = { ...body, issuedAtMs, certificatePem: analyst.cert, signature: sign('sha256', Buffer.from(text, 'utf8'), createPrivateKey(analyst.key)).toString('base64') };
    const { service, inserted } = setup();
    await expect(service.request('Vsp1MSP', signed, 'vsp-analyst')).resolves.toMatchObject({ created: true });
    expect(inserted[0]!.parameters).toEqual({ columns: ['y'], fractionalBits: 16, precision: 'fxp16' });
    // Signed at the default, sent as fxp16: the signature does not cover it.
    const other = setup();
    const overDefault = signComputationRequest({ mspId: 'Vsp1MSP', certificatePem: analyst.cert, privateKeyPem: analyst.key }, body, { issuedAtMs });
    expect(await refusal(other.service.request('Vsp1MSP', overDefault, 'vsp-analyst'))).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID', kind: 'invalid' });
    const unknown = await refusal(other.service.request('Vsp1MSP', { ...signed, parameters: { columns: ['y'], precision: 'fxp64' } }, 'vsp-analyst'));
    expect(unknown).toMatchObject({ code: 'INVALID_REQUEST', kind: 'invalid' });
    expect(other.repo.insert).not.toHaveBeenCalled();
  });

  it("refuses 403 REQUEST_CERTIFICATE_MISMATCH a certificate of another organisation's CA than the caller's", async () => {
    const { service, repo } = setup();
    // A DSP identity's certificate and key, signing as if Vsp1MSP asked; and Vsp1MSP's identity presented by DspMSP.
    const dspAnalyst = await issueMpcCertificate(dspCa, 'dsp-analyst', 36500);
    const error = await refusal(service.request('Vsp1MSP', signedBody(dspAnalyst), 'vsp-analyst'));
    expect([error.code, error.kind]).toEqual(['REQUEST_CERTIFICATE_MISMATCH', 'forbidden']);
    const other = await refusal(service.request('DspMSP', signedBody(analyst, { requester: 'DspMSP' }), 'dsp-analyst'));
    expect(other.code).toBe('REQUEST_CERTIFICATE_MISMATCH');
    expect(repo.insert).not.toHaveBeenCalled();
  });
});
