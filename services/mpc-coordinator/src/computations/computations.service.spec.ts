import type { DataSource } from 'typeorm';
import type { MpcCoordinatorSettings } from '../config';
import type { DaoVersionView } from './authorization';
import { TWO_MEMBER_VERSION } from './version.spec-helper';
import type { ComputationRecord, CoordinatorRepository, NodeRecord } from './computations.repository';
import { CoordinatorError } from './computations.errors';
import { ComputationsService } from './computations.service';
import { resultDigest, usageEntrySchema } from '@datawell/contracts';
import { computeOpSchema, createMpcCa, issueMpcCertificate, type MpcCa, type TlsIdentity } from '@datawell/mpc';
import { signComputationRequest, type ComputationRequestBody } from '@datawell/testing';
import { parametersDigest } from '@datawell/contracts';
import { NodeCallError, type NodeClient } from './node-client.adapter';
import type { RefusalLimit } from './refusal-limit';

const version: DaoVersionView = TWO_MEMBER_VERSION;
const nodes: NodeRecord[] = [
  { mspId: 'DspMSP', partyIndex: 0, controlUrl: 'http://n0', source: 'member' },
  { mspId: 'Vsp1MSP', partyIndex: 1, controlUrl: 'http://n1', source: 'ledger', workloadId: 'w1' },
];
const settings: MpcCoordinatorSettings = {
  topics: { ledgerEvents: 'e', ledgerCommands: 'c' },
  consumerGroupId: 'g',
  queue: 'q',
  topUpIntervalMs: 0,
  stock: { triples: 1000, masks: 100 },
  nodeTimeoutMs: 1000,
  refusals: { perWindow: 30, windowSeconds: 600 },
  // TWO_MEMBER_VERSION is a DAO the operator holds: most tests here are of operator-run meshes.
  custodialOrganisations: true,
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

function setup(op: jest.Mock, inv: jest.Mock = jest.fn(), registered = nodes, refusals: RefusalLimit = refusalLimit().limit, custodial = true) {
  const outbox: unknown[] = [];
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
    subscriptionsForUpdate: jest.fn(async () => []),
  };
  const manager = { queryRunner: { isTransactionActive: true }, query: jest.fn(async (_sql: string, params: unknown[]) => (params.length > 1 && outbox.push(params), [{ id: params[0] }])) };
  const dataSource = { transaction: async (fn: (m: unknown) => Promise<unknown>) => fn(manager) } as unknown as DataSource;
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
  const jobs = { addComputation: jest.fn() };
  const service = new ComputationsService({
    dataSource,
    schema: 'mpc_coordinator',
    repository: repo as unknown as CoordinatorRepository,
    jobs,
    nodes: { op, inventory: inv } as unknown as NodeClient,
    settings: { ...settings, custodialOrganisations: custodial },
    logger,
    wakeOutbox: jest.fn(),
    refusals,
    directory: { get: async (msp: string) => directoryEntry(msp) },
  });
  return { service, repo, outbox, jobs, logger };
}

/** The ledger command in an outbox row's payload, with its one argument parsed. */
function usageCommand(payload: string): { transaction: string; actingMspId: string; entry: Record<string, unknown> } {
  const data = (JSON.parse(payload) as { data: { transaction: string; actingMspId: string; arguments: string[] } }).data;
  return { transaction: data.transaction, actingMspId: data.actingMspId, entry: JSON.parse(data.arguments[0]!) as Record<string, unknown> };
}

describe('running a computation across the nodes', () => {
  it('sends one compute op to every node, keeps the recipient\'s result and writes ComputationCompleted to the outbox', async () => {
    const op = jest.fn(async (url: string) => ({ opId: 'cmp-1', party: url === 'http://n1' ? 1 : 0, rows: 5, ...(url === 'http://n1' ? { result: { n: 5, mean: 2.5 } } : {}), made: { triples: 0, masks: 0 }, onlineMs: 1, inventory: inventory(0, [0, 0]) }));
    const { service, repo, outbox } = setup(op);
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
    expect(repo.complete).toHaveBeenCalledWith(expect.anything(), 'cmp-1', 5, { n: 5, mean: 2.5 }, expect.stringMatching(/^[0-9a-f]{64}$/));
    expect(repo.fail).not.toHaveBeenCalled();
    const [id, topic, key, payload] = outbox[0] as [string, string, string, string];
    expect([id, topic, key]).toEqual(['mpc-coordinator:computation-completed:cmp-1', 'c', 'dao-d1-v1']);
    expect(JSON.parse(payload)).toMatchObject({ type: 'datawell.ledger.command.v1', data: { transaction: 'ComputationCompleted', actingMspId: 'DspMSP' } });
    // In the same transaction, the granted request's entry of the data owner's usage trail, as the requester.
    const [usageId, , usageKey, usagePayload] = outbox[1] as [string, string, string, string];
    expect([usageId, usageKey]).toEqual(['mpc-coordinator:record-usage:cmp-1', 'dao-d1-v1']);
    const usage = usageCommand(usagePayload);
    expect(usage).toMatchObject({ transaction: 'RecordUsage', actingMspId: 'DspMSP' });
    expect(usage.entry).toEqual({
      usageId: 'cmp-1',
      dataset: { owner: 'DspMSP', name: 'r' },
      requester: { mspId: 'DspMSP', enrollmentId: 'dsp-analyst' },
      computation: 'mean',
      parametersDigest: parametersDigest({ columns: ['y'], fractionalBits: 16 }),
      recipients: ['Vsp1MSP'],
      outcome: 'granted',
      rows: 5,
      resultDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(usageEntrySchema.safeParse(usage.entry).success).toBe(true);
  });

  it('fails the computation when a node outside the recipients returns a result', async () => {
    const op = jest.fn(async (url: string) => ({ opId: 'cmp-1', party: url === 'http://n1' ? 1 : 0, rows: 5, result: { n: 5, mean: 2.5 }, made: { triples: 0, masks: 0 }, onlineMs: 1, inventory: inventory(0, [0, 0]) }));
    const { service, repo, outbox } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'INVALID_REQUEST', 'the nodes returned inconsistent results', expect.anything());
    // No ComputationCompleted; the failed request's usage entry only.
    expect(outbox).toHaveLength(1);
    expect(usageCommand((outbox[0] as string[])[3]!)).toMatchObject({ transaction: 'RecordUsage', actingMspId: 'DspMSP', entry: { usageId: 'cmp-1', outcome: 'failed', failure: 'INVALID_REQUEST' } });
  });

  it('records a node\'s error code, and refuses an incomplete mesh without calling any node', async () => {
    const refusing = jest.fn(async () => {
      throw new NodeCallError('DATASET_UNKNOWN', 'http://n0: this node has no dataset r', 422);
    });
    const a = setup(refusing);
    await a.service.compute('cmp-1', async () => undefined);
    expect(a.repo.fail).toHaveBeenCalledWith('cmp-1', 'DATASET_UNKNOWN', 'http://n0: this node has no dataset r', expect.anything());
    const op = jest.fn();
    const b = setup(op, jest.fn(), [nodes[0]!]);
    await b.service.compute('cmp-1', async () => undefined);
    expect(op).not.toHaveBeenCalled();
    expect(b.repo.fail).toHaveBeenCalledWith('cmp-1', 'NODES_INCOMPLETE', 'fewer than two MPC nodes are registered', expect.anything());
    expect(usageCommand((b.outbox[0] as string[])[3]!).entry).toMatchObject({ outcome: 'failed', failure: 'NODES_INCOMPLETE' });
  });

  it('fails a computation of a version whose nodes serve a later version now VERSION_SUPERSEDED, without calling any node', async () => {
    const op = jest.fn();
    const s = setup(op, jest.fn(), []);
    s.repo.laterMeshVersion.mockResolvedValueOnce(2);
    await s.service.compute('cmp-1', async () => undefined);
    expect(op).not.toHaveBeenCalled();
    expect(s.repo.laterMeshVersion).toHaveBeenCalledWith('d1', 1);
    expect(s.repo.fail).toHaveBeenCalledWith('cmp-1', 'VERSION_SUPERSEDED', expect.stringMatching(/^version 1 of DAO d1 has no MPC mesh of its own: its members' nodes serve version 2 now .*ask on version 2$/), expect.anything());
    expect(usageCommand((s.outbox[0] as string[])[3]!).entry).toMatchObject({ outcome: 'failed', failure: 'VERSION_SUPERSEDED' });
  });
});

describe('nodes that refuse a computation their own ledger does not allow', () => {
  it('fails it REFUSED_BY_NODES naming the members and the check, and records the failure in the usage trail', async () => {
    const op = jest.fn(async (url: string) => {
      throw new NodeCallError('NOT_ALLOWED', `${url}: check computation-allowed: computation mean is not allowed by the terms of d1 version 1`, 403);
    });
    const { service, repo, outbox } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(op).toHaveBeenCalledTimes(2);
    expect(repo.complete).not.toHaveBeenCalled();
    expect(repo.fail).toHaveBeenCalledWith(
      'cmp-1',
      'REFUSED_BY_NODES',
      'the MPC nodes of DspMSP, Vsp1MSP refused to take part (check computation-allowed): http://n0: check computation-allowed: computation mean is not allowed by the terms of d1 version 1',
      expect.anything(),
    );
    expect(outbox).toHaveLength(1);
    expect(usageCommand((outbox[0] as string[])[3]!).entry).toMatchObject({ usageId: 'cmp-1', outcome: 'failed', failure: 'REFUSED_BY_NODES' });
  });

  it('names the refusal even when the other node failed otherwise (it waited for the refusing one)', async () => {
    const op = jest.fn(async (url: string) => {
      if (url === 'http://n1') throw new NodeCallError('NOT_ALLOWED', `${url}: check requester-active: DspMSP is exited in d1 version 1`, 403);
      throw new NodeCallError('NODE_UNREACHABLE', `${url}: no answer within 1000 ms`);
    });
    const { service, repo } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'REFUSED_BY_NODES', expect.stringMatching(/^the MPC nodes of Vsp1MSP refused to take part \(check requester-active\)/), expect.anything());
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
      expect.anything(),
    );
  });

  it("fails with the refusing node's own code, not another node's PARTY_REFUSED", async () => {
    const op = jest.fn(async (url: string) => {
      if (url === 'http://n1') throw new NodeCallError('LEDGER_UNAVAILABLE', `${url}: the ledger bridge did not answer`, 503);
      throw new NodeCallError('PARTY_REFUSED', `${url}: party 1 (LEDGER_UNAVAILABLE) refused to take part in op cmp-1: no node ran it`, 409);
    });
    const { service, repo } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'LEDGER_UNAVAILABLE', 'http://n1: the ledger bridge did not answer', expect.anything());
  });

  it('keeps the code of a node whose ledger could not be read (LEDGER_UNAVAILABLE)', async () => {
    const op = jest.fn(async (url: string) => {
      throw new NodeCallError('LEDGER_UNAVAILABLE', `${url}: the ledger bridge did not answer`, 503);
    });
    const { service, repo } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'LEDGER_UNAVAILABLE', 'http://n0: the ledger bridge did not answer', expect.anything());
  });
});

describe('topping up the preprocessing stock', () => {
  it('makes the rest of the stock when triples or an owner\'s or recipient\'s masks fall below half', async () => {
    const op = jest.fn(async () => ({ opId: 'x', party: 0, ms: 1, inventory: inventory(1000, [100, 100]) }));
    const { service } = setup(op, jest.fn(async () => inventory(400, [30, 100])));
    await service.topUp();
    expect(op).toHaveBeenCalledTimes(2);
    expect((op.mock.calls[0] as unknown[])[1]).toMatchObject({ kind: 'preprocess', triples: 600, masks: [{ owner: 0, n: 70 }] });
  });

  it('does nothing above half, and nothing when the nodes disagree about their stock', async () => {
    const op = jest.fn();
    await setup(op, jest.fn(async () => inventory(600, [60, 60]))).service.topUp();
    let call = 0;
    await setup(op, jest.fn(async () => inventory(call++ === 0 ? 10 : 20, [0, 0]))).service.topUp();
    expect(op).not.toHaveBeenCalled();
  });
});

describe('without custody (the default): no operator-run mesh for a DAO the operator holds', () => {
  const body = { daoId: 'd1', version: 1, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'r', owner: 'DspMSP' }, recipients: ['Vsp1MSP'], requestId: 'req-1' };
  const off = (op: jest.Mock = jest.fn(), inv: jest.Mock = jest.fn()) => setup(op, inv, nodes, refusalLimit().limit, false);

  it("refuses a member's request with 409 CUSTODIAL_DAO: nothing stored, queued or sent to the ledger", async () => {
    const { service, repo, outbox, jobs } = off();
    await expect(service.request('Vsp1MSP', signedAs('Vsp1MSP', body))).rejects.toMatchObject({ code: 'CUSTODIAL_DAO', status: 409, message: expect.stringContaining('./dev domain add') });
    // A refused request of a custodial DAO is not recorded as its data owner either.
    await expect(service.request('Vsp1MSP', signedAs('Vsp1MSP', { ...body, recipients: ['DspMSP'] }))).rejects.toMatchObject({ code: 'CUSTODIAL_DAO' });
    expect([repo.insert.mock.calls, jobs.addComputation.mock.calls, outbox]).toEqual([[], [], []]);
    // To a non-member it answers as for an unknown version, and records nothing.
    await expect(service.request('StrangerMSP', signedAs('StrangerMSP', body))).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(outbox).toEqual([]);
  });

  it('fails a job queued before with CUSTODIAL_DAO: no node asked, no result kept, nothing signed as a member', async () => {
    const op = jest.fn();
    const { service, repo, outbox } = off(op);
    await service.compute('cmp-1', async () => undefined);
    expect(op).not.toHaveBeenCalled();
    expect(repo.complete).not.toHaveBeenCalled();
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'CUSTODIAL_DAO', expect.any(String), expect.anything());
    expect(outbox).toEqual([]);
  });

  it('charges no subscription and tops up no mesh of a DAO the operator holds', async () => {
    const inv = jest.fn(async () => inventory(0, [0, 0]));
    const { service, repo } = off(jest.fn(), inv);
    expect(await service.chargeSubscriptions()).toBe(0);
    expect(repo.subscriptionsForUpdate).not.toHaveBeenCalled();
    await service.topUp();
    expect(inv).not.toHaveBeenCalled();
    // The positive control: with custody on, the same mesh is asked for its stock.
    const on = setup(jest.fn(), inv);
    await on.service.topUp();
    expect(inv).toHaveBeenCalled();
  });
});

describe('the usage trail of computation requests', () => {
  const body = { daoId: 'd1', version: 1, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'r', owner: 'DspMSP' }, recipients: ['Vsp1MSP'], requestId: 'req-1' };
  const request = signedAs.bind(undefined, 'Vsp1MSP');

  it('records a refused request in the data owner\'s trail, as the owner, naming the check, and answers the refusal', async () => {
    const { service, outbox, jobs } = setup(jest.fn());
    await expect(service.request('Vsp1MSP', request({ ...body, recipients: ['DspMSP'] }), 'vsp-analyst')).rejects.toMatchObject({ code: 'FORBIDDEN', check: 'recipients-allowed' });
    expect(jobs.addComputation).not.toHaveBeenCalled();
    expect(outbox).toHaveLength(1);
    const [id, , key, payload] = outbox[0] as [string, string, string, string];
    expect(key).toBe('dao-d1-v1');
    const usage = usageCommand(payload);
    expect(id).toBe(`mpc-coordinator:record-usage:${usage.entry['usageId'] as string}`);
    expect(usage).toMatchObject({ transaction: 'RecordUsage', actingMspId: 'DspMSP' });
    expect(usage.entry).toEqual({
      usageId: expect.stringMatching(/^ref-[0-9a-f-]{36}$/),
      dataset: { owner: 'DspMSP', name: 'r' },
      requester: { mspId: 'Vsp1MSP', enrollmentId: 'vsp-analyst' },
      computation: 'mean',
      parametersDigest: parametersDigest({ columns: ['y'], fractionalBits: 16 }),
      recipients: ['DspMSP'],
      outcome: 'refused',
      check: 'recipients-allowed',
    });
    expect(usageEntrySchema.safeParse(usage.entry).success).toBe(true);
  });

  it('records a non-member\'s request as refused by requester-member, and answers it as an unknown version', async () => {
    const { service, outbox } = setup(jest.fn());
    await expect(service.request('StrangerMSP', signedAs('StrangerMSP', { ...body, computation: 'sum' }))).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    const usage = usageCommand((outbox[0] as string[])[3]!);
    expect(usage.entry).toMatchObject({ requester: { mspId: 'StrangerMSP' }, computation: 'sum', recipients: ['Vsp1MSP'], outcome: 'refused', check: 'requester-member' });
    expect(usage.entry['requester']).toEqual({ mspId: 'StrangerMSP' });
  });

  it('records nothing for a malformed request, an unknown version, or a request naming no data owner of the version; grants a good one', async () => {
    const { service, outbox, repo, jobs } = setup(jest.fn());
    await expect(service.request('Vsp1MSP', { ...request(body), parameters: {} })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    repo.version.mockResolvedValueOnce(undefined as unknown as DaoVersionView);
    await expect(service.request('Vsp1MSP', request(body))).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(service.request('Vsp1MSP', request({ ...body, dataset: { name: 'r', owner: 'Vsp1MSP' } }))).rejects.toMatchObject({ code: 'INVALID_REQUEST', check: 'dataset-owner' });
    expect(outbox).toEqual([]);
    await service.request('Vsp1MSP', request(body), 'vsp-analyst');
    expect(repo.insert).toHaveBeenCalledWith(expect.objectContaining({ requester: 'Vsp1MSP', requesterEnrollmentId: 'vsp-analyst', owner: 'DspMSP' }));
    expect(jobs.addComputation).toHaveBeenCalledWith(expect.stringMatching(/^cmp-/));
    expect(outbox).toEqual([]); // a granted request is recorded when its computation ends
  });

  it('throttles refusals beyond the requester\'s limit: 429 TOO_MANY_REFUSALS with its retry time, logged, not recorded', async () => {
    const { limit, taken } = refusalLimit(2);
    const { service, outbox, repo, jobs, logger } = setup(jest.fn(), jest.fn(), nodes, limit);
    const refused = request({ ...body, recipients: ['DspMSP'] });
    await expect(service.request('Vsp1MSP', refused)).rejects.toMatchObject({ code: 'FORBIDDEN', check: 'recipients-allowed' });
    // An unknown version takes a point too: the limit tells nothing of which versions exist.
    repo.version.mockResolvedValueOnce(undefined as unknown as DaoVersionView);
    await expect(service.request('Vsp1MSP', request(body))).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(outbox).toHaveLength(1);
    const throttled = (await service.request('Vsp1MSP', refused).then(() => undefined, (e: unknown) => e)) as CoordinatorError;
    expect(throttled).toBeInstanceOf(CoordinatorError);
    expect([throttled.code, throttled.status, throttled.grpcStatus, throttled.retryAfterSeconds()]).toEqual(['TOO_MANY_REFUSALS', 429, 8, 42]);
    expect(throttled.message).toMatch(/Vsp1MSP has sent too many refused computation requests: this one is not recorded/);
    await expect(service.request('StrangerMSP', signedAs('StrangerMSP', body))).rejects.toMatchObject({ code: 'TOO_MANY_REFUSALS' });
    expect(outbox).toHaveLength(1);
    expect(taken).toEqual(['Vsp1MSP', 'Vsp1MSP', 'Vsp1MSP', 'StrangerMSP']);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/throttled: not recorded/), requester: 'Vsp1MSP', refusal: 'recipients-allowed', retryAfterSeconds: 42 }));
    // Malformed requests take no point (they are never recorded), granted ones neither, over the limit or not.
    await expect(service.request('Vsp1MSP', { ...request(body), parameters: {} })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await service.request('Vsp1MSP', request(body));
    expect(jobs.addComputation).toHaveBeenCalledTimes(1);
    expect(taken).toHaveLength(4);
  });
});

describe('a version known only from the public directory (a DAO of domains)', () => {
  const publicVersion: DaoVersionView = {
    daoId: 'd1',
    version: 1,
    channel: 'dao-d1-v1',
    source: 'directory',
    members: [
      { mspId: 'DspMSP', role: '', group: '', status: 'active' },
      { mspId: 'Vsp1MSP', role: '', group: '', status: 'active' },
    ],
    computations: [],
  };
  const body = { daoId: 'd1', version: 1, computation: 'mean', parameters: { columns: ['y'] }, dataset: { name: 'r', owner: 'DspMSP' }, recipients: ['Vsp1MSP'], requestId: 'req-1' };
  const result = { n: 5, mean: 2.5 };
  const digest = resultDigest(result);
  const answer = (party: number, extra: Record<string, unknown> = {}) => ({ opId: 'cmp-1', party, rows: 5, made: { triples: 0, masks: 0 }, onlineMs: 1, inventory: inventory(0, [0, 0]), ...extra });
  const byUrl = (of: Record<string, Record<string, unknown>>) => jest.fn(async (url: string) => answer(url === 'http://n1' ? 1 : 0, of[url] ?? {}));

  beforeAll(() => {
    directoryEntries['DspMSP'] = { role: 'DSP', caCertPem: requesterCas['DspMSP']!.cert };
    directoryEntries['Vsp1MSP'] = { role: 'VSP', caCertPem: requesterCas['Vsp1MSP']!.cert };
  });
  afterAll(() => {
    delete directoryEntries['DspMSP'];
    delete directoryEntries['Vsp1MSP'];
  });

  function publicSetup(op: jest.Mock) {
    const s = setup(op);
    s.repo.version.mockResolvedValue(publicVersion);
    return s;
  }

  it('needs the recipients and the owner named (signed), checks the owner against the directory, answers non-members as an unknown version, records nothing on the ledger', async () => {
    const { service, repo, outbox, jobs } = publicSetup(jest.fn());
    await expect(service.request('Vsp1MSP', { ...signedAs('Vsp1MSP', body), recipients: undefined })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^recipients: a signed request names its recipients/) });
    await expect(service.request('Vsp1MSP', signedAs('Vsp1MSP', { ...body, dataset: { name: 'r', owner: 'Vsp1MSP' } }))).rejects.toMatchObject({ code: 'INVALID_REQUEST', check: 'dataset-owner' });
    await expect(service.request('StrangerMSP', signedAs('StrangerMSP', body))).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', message: 'no DAO version d1 v1 on the ledger (yet)' });
    expect(outbox).toEqual([]);
    await service.request('Vsp1MSP', signedAs('Vsp1MSP', body));
    expect(repo.insert).toHaveBeenCalledWith(expect.objectContaining({ requester: 'Vsp1MSP', recipients: ['Vsp1MSP'], owner: 'DspMSP' }));
    expect(jobs.addComputation).toHaveBeenCalledTimes(1);
  });

  it('completes with the agreed digest and no result when the recipient delivered it in its own domain, and writes no ledger command', async () => {
    const op = byUrl({ 'http://n1': { resultDigest: digest, delivered: true } });
    const { service, repo, outbox, logger } = publicSetup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.fail).not.toHaveBeenCalled();
    expect(repo.complete).toHaveBeenCalledWith(expect.anything(), 'cmp-1', 5, undefined, digest);
    expect(outbox).toEqual([]);
    const lines = JSON.stringify([...logger.log.mock.calls, ...logger.warn.mock.calls]);
    expect(lines).toMatch(/no ledger command for a public version's computation/);
    expect(lines).not.toContain('2.5');
  });

  it("discards a result a recipient's node of a public version returned instead of delivering it, and fails RESULT_NOT_DELIVERED", async () => {
    const { service, repo, outbox, logger } = publicSetup(byUrl({ 'http://n1': { result } }));
    await service.compute('cmp-1', async () => undefined);
    expect(repo.complete).not.toHaveBeenCalled();
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'RESULT_NOT_DELIVERED', expect.stringMatching(/instead of delivering it to its member's own bridge/), expect.anything());
    expect(outbox).toEqual([]);
    expect(JSON.stringify([...logger.log.mock.calls, ...logger.warn.mock.calls])).not.toContain('2.5');
  });

  it('still writes ComputationCompleted for a version known from its channel whose recipient delivered', async () => {
    const op = byUrl({ 'http://n1': { resultDigest: digest, delivered: true } });
    const { service, repo, outbox } = setup(op);
    await service.compute('cmp-1', async () => undefined);
    expect(repo.complete).toHaveBeenCalledWith(expect.anything(), 'cmp-1', 5, undefined, digest);
    expect(outbox.map((row) => (row as string[])[0])).toEqual(['mpc-coordinator:computation-completed:cmp-1', 'mpc-coordinator:record-usage:cmp-1']);
  });

  it.each([
    ['a delivered digest that is not the digest of the result another recipient returned', { 'http://n0': { result }, 'http://n1': { resultDigest: 'ab'.repeat(32), delivered: true } }, ['Vsp1MSP', 'DspMSP']],
    ['delivered digests that disagree', { 'http://n0': { resultDigest: 'cd'.repeat(32), delivered: true }, 'http://n1': { resultDigest: digest, delivered: true } }, ['Vsp1MSP', 'DspMSP']],
    ["a result whose own digest is not the one it came with", { 'http://n1': { result, resultDigest: 'ab'.repeat(32) } }, ['Vsp1MSP']],
    ['a digest without delivered', { 'http://n1': { resultDigest: digest } }, ['Vsp1MSP']],
    ['a stray digest from a node that is not a recipient', { 'http://n0': { resultDigest: digest, delivered: true }, 'http://n1': { resultDigest: digest, delivered: true } }, ['Vsp1MSP']],
  ])('fails INVALID_REQUEST on %s', async (_what, of, recipients) => {
    const { service, repo, outbox } = publicSetup(byUrl(of));
    repo.get.mockResolvedValue({ ...queued, recipients });
    await service.compute('cmp-1', async () => undefined);
    expect(repo.complete).not.toHaveBeenCalled();
    expect(repo.fail).toHaveBeenCalledWith('cmp-1', 'INVALID_REQUEST', expect.stringMatching(/^the nodes returned inconsistent results/), expect.anything());
    // A public version's failure is not the coordinator's to record either.
    expect(outbox).toEqual([]);
  });

  it('answers a completed computation without a stored result RESULT_IN_RECIPIENT_DOMAIN, pointing at the recipient\'s own bridge', async () => {
    const { service, repo } = publicSetup(jest.fn());
    repo.get.mockResolvedValue({ ...queued, status: 'completed', resultDigest: digest });
    const refusal = (await service.result('Vsp1MSP', 'cmp-1').then(() => undefined, (e: unknown) => e)) as CoordinatorError;
    expect(refusal).toBeInstanceOf(CoordinatorError);
    expect([refusal.code, refusal.status, refusal.grpcStatus]).toEqual(['RESULT_IN_RECIPIENT_DOMAIN', 409, 9]);
    expect(refusal.message).toContain('GET /daos/d1/versions/1/computations/cmp-1/result');
  });

  it('tops up a public mesh with triples and the data owner\'s masks (roles from the directory)', async () => {
    const op = jest.fn(async () => ({ opId: 'x', party: 0, ms: 1, inventory: inventory(1000, [100, 100]) }));
    const { service, repo } = setup(op, jest.fn(async () => inventory(400, [30, 10])));
    repo.version.mockResolvedValue(publicVersion);
    await service.topUp();
    expect((op.mock.calls[0] as unknown[])[1]).toMatchObject({ kind: 'preprocess', triples: 600, masks: [{ owner: 0, n: 70 }] });
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
