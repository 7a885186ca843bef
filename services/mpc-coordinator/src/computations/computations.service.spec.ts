import type { DaoVersionView } from './authorization';
import { PUBLIC_TWO_MEMBER_VERSION } from './version.spec-helper';
import type { ComputationRecord, CoordinatorRepository, NodeRecord } from './computations.repository';
import { CoordinatorError } from './computations.errors';
import { ComputationsService } from './computations.service';
import type { MpcCoordinatorSettings } from '../config';
import { resultDigest } from '@datawell/contracts';
import { computeOpSchema, createMpcCa, issueMpcCertificate, type MpcCa, type TlsIdentity } from '@datawell/mpc';
import { signComputationRequest, type ComputationRequestBody } from '@datawell/testing';
import { NodeCallError, type NodeClient } from './node-client.adapter';
import type { RefusalLimit } from './refusal-limit';

/** A DAO of domains (known from the public directory): the only kind whose mesh the coordinator runs. */
const version: DaoVersionView = PUBLIC_TWO_MEMBER_VERSION;
const nodes: NodeRecord[] = [
  { mspId: 'DspMSP', partyIndex: 0, controlUrl: 'http://n0', source: 'member' },
  { mspId: 'Vsp1MSP', partyIndex: 1, controlUrl: 'http://n1', source: 'member' },
];
const settings: MpcCoordinatorSettings = {
  topics: { ledgerEvents: 'e' },
  consumerGroupId: 'g',
  queue: 'q',
  topUpIntervalMs: 0,
  stock: { triples: 1000, masks: 100 },
  nodeTimeoutMs: 1000,
  refusals: { perWindow: 30, windowSeconds: 600 },
};
const queued: ComputationRecord = {
  id: 'cmp-1',
  daoId: 'd1',
  version: 1,
  computation: 'mean',
  requester: 'DspMSP',
  requesterEnrollmentId: 'dsp-analyst',
  recipients: ['Vsp1MSP'],
  owner: 'DspMSP',
  parameters: { columns: ['y'], fractionalBits: 16 },
  dataset: { name: 'r' },
  status: 'queued',
  progress: 0,
  createdAt: '',
  updatedAt: '',
};
/** The identity directory the service reads (roles and CAs), empty unless a test fills it. */
const directoryEntries: Record<string, { role: string; caCertPem: string }> = {};
/**
 * The requesters' CAs and an identity of each, which sign their requests (the service checks the
 * signature before any rule): the directory answers these CAs for an organisation a test did not fill in.
 */
const requesterCas: Record<string, MpcCa> = {};
const requesters: Record<string, TlsIdentity> = {};
beforeAll(async () => {
  for (const msp of ['DspMSP', 'Vsp1MSP', 'StrangerMSP']) {
    requesterCas[msp] = await createMpcCa(`${msp} CA`);
    requesters[msp] = await issueMpcCertificate(requesterCas[msp]!, `${msp.toLowerCase()}-analyst`);
  }
});
const directoryEntry = (msp: string) => directoryEntries[msp] ?? (requesterCas[msp] ? { role: msp.startsWith('Dsp') ? 'DSP' : 'VSP', caCertPem: requesterCas[msp]!.cert } : undefined);
/** `body` signed as `msp`'s request by its identity. */
const signedAs = (msp: string, body: ComputationRequestBody) => signComputationRequest({ mspId: msp, certificatePem: requesters[msp]!.cert, privateKeyPem: requesters[msp]!.key }, body);
const inventory = (triples: number, masks: number[]) => ({ party: 0, parties: 2, triples, squares: 0, masks });
const result = { n: 5, mean: 2.5 };
const digest = resultDigest(result);
/** A node's answer to the compute op, as party `party`. */
const answer = (party: number, extra: Record<string, unknown> = {}) => ({ opId: 'cmp-1', party, rows: 5, made: { triples: 0, masks: 0 }, onlineMs: 1, inventory: inventory(0, [0, 0]), ...extra });
const byUrl = (of: Record<string, Record<string, unknown>>) => jest.fn(async (url: string) => answer(url === 'http://n1' ? 1 : 0, of[url] ?? {}));
/** The recipient's node (party 1) delivered the result to its member's own bridge: the digest only. */
const delivered = () => byUrl({ 'http://n1': { resultDigest: digest, delivered: true } });

/** A refusal limit that lets `allowed` refusals through, then throttles for 42 s. */
function refusalLimit(allowed = Infinity) {
  const taken: string[] = [];
  const limit: RefusalLimit = {
    take: async (requester) => {
      taken.push(requester);
      return taken.length <= allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: 42 };
    },
  };
  return { limit, taken };
}

function setup(op: jest.Mock, inv: jest.Mock = jest.fn(), registered = nodes, refusals: RefusalLimit = refusalLimit().limit) {
  const repo = {
    get: jest.fn(async () => queued),
    version: jest.fn(async () => version),
    nodes: jest.fn(async () => registered),
    meshes: jest.fn(async () => [{ daoId: 'd1', version: 1 }]),
    markRunning: jest.fn(async () => undefined),
    recordInventory: jest.fn(async () => undefined),
    complete: jest.fn(async () => undefined),
    fail: jest.fn(async () => undefined),
    insert: jest.fn(async () => true),
    registerNode: jest.fn(async () => 'registered'),
    laterMeshVersion: jest.fn(async (): Promise<number | undefined> => undefined),
  };
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
  const jobs = { addComputation: jest.fn() };
  const service = new ComputationsService({
    repository: repo as unknown as CoordinatorRepository,
    jobs,
    nodes: { op, inventory: inv } as unknown as NodeClient,
    settings,
    logger,
    refusals,
    directory: { get: async (msp: string) => directoryEntry(msp) },
  });
  return { service, repo, jobs, logger };
}

describe('running a computation across the nodes', () => {
  it("sends one compute op to every node and completes with the digest the recipient's node delivered in its own domain: no result, no ledger command", async () => {
    const op = delivered();
    const { service, repo, logger } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(op).toHaveBeenCalledTimes(2);
    expect((op.mock.calls[0] as unknown[])[1]).toEqual({
      opId: 'cmp-1',
      kind: 'compute',
      program: 'mean',
      owner: 0,
      recipients: [1],
      dataset: { name: 'r', columns: ['y'] },
      fractionalBits: 16,
      // What it is for, in the ledger's names (and who asked, for the usage trail): each node may check it against its own ledger.
      ledger: { daoId: 'd1', version: 1, computation: 'mean', requester: 'DspMSP', requesterEnrollmentId: 'dsp-analyst', recipients: ['Vsp1MSP'], owner: 'DspMSP' },
    });
    expect(computeOpSchema.safeParse((op.mock.calls[1] as unknown[])[1]).success).toBe(true);
    expect(repo.fail).not.toHaveBeenCalled();
    expect(repo.complete).toHaveBeenCalledWith('cmp-1', 5, digest);
    const lines = JSON.stringify([...logger.log.mock.calls, ...logger.warn.mock.calls]);
    expect(lines).toContain('computation completed');
    expect(lines).not.toContain('2.5');
  });

  it('completes a computation with two recipients once both nodes delivered the same digest', async () => {
    const op = byUrl({ 'http://n0': { resultDigest: digest, delivered: true }, 'http://n1': { resultDigest: digest, delivered: true } });
    const { service, repo } = setup(op);
    repo.get.mockResolvedValue({ ...queued, recipients: ['Vsp1MSP', 'DspMSP'] });
    await service.compute('cmp-1', async () => undefined);
    expect((op.mock.calls[0] as unknown[])[1]).toMatchObject({ recipients: [1, 0] });
    expect(repo.fail).not.toHaveBeenCalled();
    expect(repo.complete).toHaveBeenCalledWith('cmp-1', 5, digest);
  });

  it("discards a result a recipient's node returned instead of delivering it, and fails RESULT_NOT_DELIVERED", async () => {
    const { service, repo, logger } = setup(byUrl({ 'http://n1': { result } }));
    await service.compute('cmp-1', async () => undefined);
    expect(repo.complete).not.toHaveBeenCalled();
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'RESULT_NOT_DELIVERED', expect.stringMatching(/instead of delivering it to its member's own bridge/));
    expect(JSON.stringify([...logger.log.mock.calls, ...logger.warn.mock.calls])).not.toContain('2.5');
  });

  it.each([
    ['a result from a node outside the recipients', { 'http://n0': { result }, 'http://n1': { resultDigest: digest, delivered: true } }, ['Vsp1MSP']],
    ['a delivered digest that is not the digest of the result another recipient returned', { 'http://n0': { result }, 'http://n1': { resultDigest: 'ab'.repeat(32), delivered: true } }, ['Vsp1MSP', 'DspMSP']],
    ['delivered digests that disagree', { 'http://n0': { resultDigest: 'cd'.repeat(32), delivered: true }, 'http://n1': { resultDigest: digest, delivered: true } }, ['Vsp1MSP', 'DspMSP']],
    ["a result whose own digest is not the one it came with", { 'http://n1': { result, resultDigest: 'ab'.repeat(32) } }, ['Vsp1MSP']],
    ['a digest without delivered', { 'http://n1': { resultDigest: digest } }, ['Vsp1MSP']],
    ['a stray digest from a node that is not a recipient', { 'http://n0': { resultDigest: digest, delivered: true }, 'http://n1': { resultDigest: digest, delivered: true } }, ['Vsp1MSP']],
  ])('fails INVALID_REQUEST on %s', async (_what, of, recipients) => {
    const { service, repo } = setup(byUrl(of));
    repo.get.mockResolvedValue({ ...queued, recipients });
    await service.compute('cmp-1', async () => undefined);
    expect(repo.complete).not.toHaveBeenCalled();
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'INVALID_REQUEST', expect.stringMatching(/^the nodes returned inconsistent results/));
  });

  it("records a node's error code, and refuses an incomplete mesh without calling any node", async () => {
    const refusing = jest.fn(async () => {
      throw new NodeCallError('DATASET_UNKNOWN', 'http://n0: this node has no dataset r', 422);
    });
    const a = setup(refusing);
    await a.service.compute('cmp-1', async () => undefined);
    expect(a.repo.fail).toHaveBeenCalledWith('cmp-1', 'DATASET_UNKNOWN', 'http://n0: this node has no dataset r');
    const op = jest.fn();
    const b = setup(op, jest.fn(), [nodes[0]!]);
    await b.service.compute('cmp-1', async () => undefined);
    expect(op).not.toHaveBeenCalled();
    expect(b.repo.fail).toHaveBeenCalledWith('cmp-1', 'NODES_INCOMPLETE', 'fewer than two MPC nodes are registered');
  });

  it('fails a computation of a version whose nodes serve a later version now VERSION_SUPERSEDED, without calling any node', async () => {
    const op = jest.fn();
    const s = setup(op, jest.fn(), []);
    s.repo.laterMeshVersion.mockResolvedValueOnce(2);
    await s.service.compute('cmp-1', async () => undefined);
    expect(op).not.toHaveBeenCalled();
    expect(s.repo.laterMeshVersion).toHaveBeenCalledWith('d1', 1);
    expect(s.repo.fail).toHaveBeenCalledWith('cmp-1', 'VERSION_SUPERSEDED', expect.stringMatching(/^version 1 of DAO d1 has no MPC mesh of its own: its members' nodes serve version 2 now .*ask on version 2$/));
  });

  it("answers a completed computation's recipient RESULT_IN_RECIPIENT_DOMAIN, pointing at its own bridge, and before that RESULT_NOT_READY", async () => {
    const { service, repo } = setup(jest.fn());
    repo.get.mockResolvedValue({ ...queued, status: 'completed', resultDigest: digest });
    const refusal = (await service.result('Vsp1MSP', 'cmp-1').then(() => undefined, (e: unknown) => e)) as CoordinatorError;
    expect(refusal).toBeInstanceOf(CoordinatorError);
    expect([refusal.code, refusal.status, refusal.grpcStatus]).toEqual(['RESULT_IN_RECIPIENT_DOMAIN', 409, 9]);
    expect(refusal.message).toContain('GET /daos/d1/versions/1/computations/cmp-1/result');
    await expect(service.result('DspMSP', 'cmp-1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    repo.get.mockResolvedValue({ ...queued, status: 'running' });
    await expect(service.result('Vsp1MSP', 'cmp-1')).rejects.toMatchObject({ code: 'RESULT_NOT_READY' });
  });
});

describe('nodes that refuse a computation their own ledger does not allow', () => {
  it('fails it REFUSED_BY_NODES naming the members and the check', async () => {
    const op = jest.fn(async (url: string) => {
      throw new NodeCallError('NOT_ALLOWED', `${url}: check computation-allowed: computation mean is not allowed by the terms of d1 version 1`, 403);
    });
    const { service, repo } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(op).toHaveBeenCalledTimes(2);
    expect(repo.complete).not.toHaveBeenCalled();
    expect(repo.fail).toHaveBeenCalledWith(
      'cmp-1',
      'REFUSED_BY_NODES',
      'the MPC nodes of DspMSP, Vsp1MSP refused to take part (check computation-allowed): http://n0: check computation-allowed: computation mean is not allowed by the terms of d1 version 1',
    );
  });

  it('names the refusal even when the other node failed otherwise (it waited for the refusing one)', async () => {
    const op = jest.fn(async (url: string) => {
      if (url === 'http://n1') throw new NodeCallError('NOT_ALLOWED', `${url}: check requester-active: DspMSP is exited in d1 version 1`, 403);
      throw new NodeCallError('NODE_UNREACHABLE', `${url}: no answer within 1000 ms`);
    });
    const { service, repo } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'REFUSED_BY_NODES', expect.stringMatching(/^the MPC nodes of Vsp1MSP refused to take part \(check requester-active\)/));
    const error = new CoordinatorError('REFUSED_BY_NODES', 'x');
    expect([error.status, error.kind]).toEqual([403, 'forbidden']);
  });

  it('names only the refusing members when the others answer PARTY_REFUSED (they took part, the agreement round stopped them)', async () => {
    const op = jest.fn(async (url: string) => {
      if (url === 'http://n1') throw new NodeCallError('NOT_ALLOWED', `${url}: check requester-active: DspMSP is exited in d1 version 1`, 403);
      throw new NodeCallError('PARTY_REFUSED', `${url}: party 1 (NOT_ALLOWED, check requester-active) refused to take part in op cmp-1: no node ran it`, 409);
    });
    const { service, repo } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).toHaveBeenCalledWith(
      'cmp-1',
      'REFUSED_BY_NODES',
      'the MPC nodes of Vsp1MSP refused to take part (check requester-active): http://n1: check requester-active: DspMSP is exited in d1 version 1',
    );
  });

  it("fails with the refusing node's own code, not another node's PARTY_REFUSED", async () => {
    const op = jest.fn(async (url: string) => {
      if (url === 'http://n1') throw new NodeCallError('LEDGER_UNAVAILABLE', `${url}: the ledger bridge did not answer`, 503);
      throw new NodeCallError('PARTY_REFUSED', `${url}: party 1 (LEDGER_UNAVAILABLE) refused to take part in op cmp-1: no node ran it`, 409);
    });
    const { service, repo } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'LEDGER_UNAVAILABLE', 'http://n1: the ledger bridge did not answer');
  });

  it('keeps the code of a node whose ledger could not be read (LEDGER_UNAVAILABLE)', async () => {
    const op = jest.fn(async (url: string) => {
      throw new NodeCallError('LEDGER_UNAVAILABLE', `${url}: the ledger bridge did not answer`, 503);
    });
    const { service, repo } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'LEDGER_UNAVAILABLE', 'http://n0: the ledger bridge did not answer');
  });
});

describe('topping up the preprocessing stock', () => {
  it('makes the rest of the stock when triples or the data owner\'s masks fall below half (roles from the directory)', async () => {
    const op = jest.fn(async () => ({ opId: 'x', party: 0, ms: 1, inventory: inventory(1000, [100, 100]) }));
    const { service } = setup(op, jest.fn(async () => inventory(400, [30, 100])));
    await service.topUp();
    expect(op).toHaveBeenCalledTimes(2);
    expect((op.mock.calls[0] as unknown[])[1]).toMatchObject({ kind: 'preprocess', triples: 600, masks: [{ owner: 0, n: 70 }] });
  });

  it('does nothing above half, and nothing when the nodes disagree about their stock', async () => {
    const op = jest.fn();
    await setup(op, jest.fn(async () => inventory(600, [60, 0]))).service.topUp();
    let call = 0;
    await setup(op, jest.fn(async () => inventory(call++ === 0 ? 10 : 20, [0, 0]))).service.topUp();
    expect(op).not.toHaveBeenCalled();
  });
});

describe('a version the read model no longer knows', () => {
  const gone = (op: jest.Mock = jest.fn(), inv: jest.Mock = jest.fn()) => {
    const s = setup(op, inv);
    s.repo.version.mockResolvedValue(undefined as unknown as DaoVersionView);
    return s;
  };

  it('fails a job queued before with VERSION_NOT_FOUND: no node asked, nothing completed', async () => {
    const op = jest.fn();
    const { service, repo } = gone(op);
    await service.compute('cmp-1', async () => undefined);
    expect(op).not.toHaveBeenCalled();
    expect(repo.complete).not.toHaveBeenCalled();
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'VERSION_NOT_FOUND', 'no DAO version d1 v1 on the ledger (yet)');
  });

  it('tops up no mesh of it (the positive control: the same mesh of a known version is asked for its stock)', async () => {
    const inv = jest.fn(async () => inventory(0, [0, 0]));
    await gone(jest.fn(), inv).service.topUp();
    expect(inv).not.toHaveBeenCalled();
    await setup(jest.fn(), inv).service.topUp();
    expect(inv).toHaveBeenCalled();
  });
});

describe('refused computation requests', () => {
  const body = { daoId: 'd1', version: 1, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'r', owner: 'DspMSP' }, recipients: ['Vsp1MSP'], requestId: 'req-1' };
  const request = signedAs.bind(undefined, 'Vsp1MSP');

  it('needs the recipients and the owner named (signed), checks the owner against the directory, answers non-members as an unknown version; logs a refusal with its check and grants a good one', async () => {
    const { service, repo, jobs, logger } = setup(jest.fn());
    await expect(service.request('Vsp1MSP', { ...request(body), recipients: undefined })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^recipients: a signed request names its recipients/) });
    await expect(service.request('Vsp1MSP', request({ ...body, dataset: { name: 'r', owner: 'Vsp1MSP' } }))).rejects.toMatchObject({ code: 'INVALID_REQUEST', check: 'dataset-owner' });
    await expect(service.request('StrangerMSP', signedAs('StrangerMSP', body))).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', message: 'no DAO version d1 v1 on the ledger (yet)' });
    expect(logger.log).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/refused \(not recorded by the coordinator: it signs as no member\)/), requester: 'StrangerMSP', check: 'requester-member' }));
    expect(repo.insert).not.toHaveBeenCalled();
    await service.request('Vsp1MSP', request(body), 'vsp-analyst');
    expect(repo.insert).toHaveBeenCalledWith(expect.objectContaining({ requester: 'Vsp1MSP', requesterEnrollmentId: 'vsp-analyst', recipients: ['Vsp1MSP'], owner: 'DspMSP' }));
    expect(jobs.addComputation).toHaveBeenCalledWith(expect.stringMatching(/^cmp-/));
  });

  it("throttles refusals beyond the requester's limit: 429 TOO_MANY_REFUSALS with its retry time, logged", async () => {
    const { limit, taken } = refusalLimit(2);
    const { service, repo, jobs, logger } = setup(jest.fn(), jest.fn(), nodes, limit);
    const refused = request({ ...body, recipients: ['StrangerMSP'] });
    await expect(service.request('Vsp1MSP', refused)).rejects.toMatchObject({ code: 'FORBIDDEN', check: 'recipients-active' });
    // An unknown version takes a point too: the limit tells nothing of which versions exist.
    repo.version.mockResolvedValueOnce(undefined as unknown as DaoVersionView);
    await expect(service.request('Vsp1MSP', request(body))).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    const throttled = (await service.request('Vsp1MSP', refused).then(() => undefined, (e: unknown) => e)) as CoordinatorError;
    expect(throttled).toBeInstanceOf(CoordinatorError);
    expect([throttled.code, throttled.status, throttled.grpcStatus, throttled.retryAfterSeconds()]).toEqual(['TOO_MANY_REFUSALS', 429, 8, 42]);
    expect(throttled.message).toMatch(/Vsp1MSP has sent too many refused computation requests: this one is not recorded/);
    await expect(service.request('StrangerMSP', signedAs('StrangerMSP', body))).rejects.toMatchObject({ code: 'TOO_MANY_REFUSALS' });
    expect(taken).toEqual(['Vsp1MSP', 'Vsp1MSP', 'Vsp1MSP', 'StrangerMSP']);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/throttled: not recorded/), requester: 'Vsp1MSP', refusal: 'recipients-active', retryAfterSeconds: 42 }));
    // Malformed requests take no point, granted ones neither, over the limit or not.
    await expect(service.request('Vsp1MSP', { ...request(body), parameters: {} })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await service.request('Vsp1MSP', request(body));
    expect(jobs.addComputation).toHaveBeenCalledTimes(1);
    expect(taken).toHaveLength(4);
  });
});

describe("a node its member registers itself with a certificate", () => {
  it("pins the certificate under the caller's CA from the directory, and refuses another MSP's", async () => {
    const vspCa = await createMpcCa('vsp-ca', 1);
    const dspCa = await createMpcCa('dsp-ca', 1);
    directoryEntries['Vsp1MSP'] = { role: 'VSP', caCertPem: vspCa.cert };
    try {
      const own = await issueMpcCertificate(vspCa, 'mpc-node', 1);
      const foreign = await issueMpcCertificate(dspCa, 'mpc-node', 1);
      const { service, repo } = setup(jest.fn());
      const registered = await service.registerNode('Vsp1MSP', 'd1', 1, { partyIndex: 1, controlUrl: 'https://n1:7000', certificatePem: own.cert });
      const pin = { certificatePem: expect.stringContaining('BEGIN CERTIFICATE'), caCertificatePem: expect.stringContaining('BEGIN CERTIFICATE') };
      expect(registered).toMatchObject({ mspId: 'Vsp1MSP', partyIndex: 1, source: 'member', pin });
      expect(repo.registerNode).toHaveBeenCalledWith('d1', 1, 'Vsp1MSP', 1, 'https://n1:7000', pin);
      await expect(service.registerNode('Vsp1MSP', 'd1', 1, { partyIndex: 1, controlUrl: 'https://n1:7000', certificatePem: foreign.cert })).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
        message: 'certificatePem: not issued by the CA of Vsp1MSP in the identity directory',
      });
      await expect(service.registerNode('Vsp1MSP', 'd1', 1, { partyIndex: 1, controlUrl: 'https://n1:7000', certificatePem: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^certificatePem: /) });
      expect(repo.registerNode).toHaveBeenCalledTimes(1);
      // Without a certificate: no pin, as before.
      await service.registerNode('Vsp1MSP', 'd1', 1, { partyIndex: 1, controlUrl: 'https://n1:7000' });
      expect(repo.registerNode).toHaveBeenLastCalledWith('d1', 1, 'Vsp1MSP', 1, 'https://n1:7000', undefined);
    } finally {
      delete directoryEntries['Vsp1MSP'];
    }
  });
});
