import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMpcMeshFile } from '@datawell/contracts';
import { createMpcCa, issueMpcCertificate } from '@datawell/mpc';
import { DESIRED, ledgerEvent, VERSION_CREATED } from './fixtures.spec-helper';
import type { ProvisioningRepository } from './provisioning.repository';
import { ProvisioningService, type RunningJob } from './provisioning.service';
import type { JobData } from './spec';

/** The repository's calls, recorded; its transaction hands out a manager whose outbox inserts are kept. */
function recordingRepository(kind: 'apply' | 'destroy') {
  const calls: Array<[string, ...unknown[]]> = [];
  const outbox: Array<{ id: string; payload: { data: { transaction: string; arguments: string[] } } }> = [];
  const manager = {
    queryRunner: { isTransactionActive: true },
    query: async (sql: string, params: unknown[]) => {
      if (/INSERT INTO .*outbox/s.test(sql)) outbox.push({ id: params[0] as string, payload: JSON.parse(params[3] as string) as never });
      return [{ id: params[0] }];
    },
  };
  const repository = {
    schema: 'provisioner',
    dataSource: { transaction: async <T>(work: (m: typeof manager) => Promise<T>) => work(manager) },
    updateJob: async (_m: unknown, id: string, fields: unknown) => void calls.push(['updateJob', id, fields]),
    setVersionStatus: async (_m: unknown, daoId: string, version: number, status: string, extra: unknown) => void calls.push(['setVersionStatus', daoId, version, status, extra]),
    version: async () => ({ ...DESIRED, status: 'applying', appliedRevision: null, outputsDigest: null, failure: null }),
    appendLogs: async (id: string, lines: string[]) => void calls.push(['appendLogs', id, lines]),
  };
  const job: RunningJob = {
    id: kind === 'apply' ? 'apply.d1.v1.r1' : 'destroy.d1.v1',
    data: { kind, daoId: 'd1', version: 1, ...(kind === 'apply' ? { revision: 1 } : {}) } as JobData,
    attemptsMade: 0,
    maxAttempts: 3,
    updateProgress: async () => undefined,
  };
  return { repository: repository as unknown as ProvisioningRepository, calls, outbox, job };
}

const service = (repository: ProvisioningRepository, onOutbox: () => void, states: Record<string, { state: string; failedReason?: string }> = {}, member?: string) =>
  new ProvisioningService({
    ...(member ? { member } : {}),
    repository,
    queue: { add: async () => undefined, state: async (id: string) => states[id] },
    render: { workloadsRoot: '/nowhere', repoDir: '/nowhere', nodeBinary: 'node', launcher: [], kafkaBrokers: [], telemetryTopic: 't', backendSchema: 's' },
    tofu: { binary: 'tofu', root: '/nowhere', postgresUrl: 'postgres://x@localhost/x' },
    commandsTopic: 'commands',
    logger: { warn: () => undefined, log: () => undefined, error: () => undefined } as never,
    wakeOutbox: onOutbox,
  });

describe('ProvisioningService.recordGivenUp (a job the queue failed without running it)', () => {
  it('records the job and the version as failed and writes InfrastructureFailed once, whatever the attempts left', async () => {
    const { repository, calls, outbox, job } = recordingRepository('apply');
    const notified = jest.fn();
    await service(repository, notified).recordGivenUp(job, 'job stalled more than allowable limit');
    expect(calls).toEqual([
      ['appendLogs', 'apply.d1.v1.r1', ['job apply.d1.v1.r1: failed: job stalled more than allowable limit']],
      ['updateJob', 'apply.d1.v1.r1', { state: 'failed', error: 'job stalled more than allowable limit', finished: true }],
      ['setVersionStatus', 'd1', 1, 'failed', { failure: 'job stalled more than allowable limit' }],
    ]);
    expect(outbox.map((m) => [m.id, m.payload.data.transaction, JSON.parse(m.payload.data.arguments[0]!)])).toEqual([
      ['provisioner:failed:d1:v1:r1', 'InfrastructureFailed', { revision: 1, reason: 'job stalled more than allowable limit' }],
    ]);
    expect(notified).toHaveBeenCalledTimes(1);
  });

  it('writes no ledger command for a destroy job', async () => {
    const { repository, calls, outbox, job } = recordingRepository('destroy');
    await service(repository, () => undefined).recordGivenUp(job, 'job stalled more than allowable limit');
    expect(calls.map((c) => [c[0], c[3]])).toEqual([
      ['appendLogs', undefined],
      ['updateJob', undefined],
      ['setVersionStatus', 'failed'],
    ]);
    expect(outbox).toEqual([]);
  });
});

describe('ProvisioningService.reconcileGivenUp (at boot)', () => {
  it('records as given up exactly the unfinished jobs the queue failed, with its reason', async () => {
    const { repository, calls, outbox } = recordingRepository('apply');
    const data = (version: number) => ({ kind: 'apply', daoId: 'd1', version, revision: 1 }) as JobData;
    Object.assign(repository, {
      unfinishedJobs: async () => [
        { id: 'apply.d1.v1.r1', data: data(1), attempts: 2 },
        { id: 'apply.d1.v2.r1', data: data(2), attempts: 1 },
        { id: 'apply.d1.v3.r1', data: data(3), attempts: 0 },
      ],
    });
    const states = { 'apply.d1.v1.r1': { state: 'failed', failedReason: 'job stalled more than allowable limit' }, 'apply.d1.v2.r1': { state: 'active' } };
    expect(await service(repository, () => undefined, states).reconcileGivenUp()).toEqual(['apply.d1.v1.r1']);
    expect(calls.filter((c) => c[0] === 'updateJob')).toEqual([['updateJob', 'apply.d1.v1.r1', { state: 'failed', error: 'job stalled more than allowable limit', finished: true }]]);
    expect(outbox.map((m) => m.payload.data.transaction)).toEqual(['InfrastructureFailed']);
  });
});

describe('ProvisioningService in member mode', () => {
  it('reports a given-up job as its member\'s failed part', async () => {
    const { repository, outbox, job } = recordingRepository('apply');
    await service(repository, () => undefined, {}, 'Vsp1MSP').recordGivenUp(job, 'quota exceeded');
    expect(outbox.map((m) => [m.id, m.payload.data.transaction, JSON.parse(m.payload.data.arguments[0]!)])).toEqual([
      ['provisioner:failed:d1:v1:r1:Vsp1MSP', 'InfrastructurePartFailed', { revision: 1, reason: 'quota exceeded' }],
    ]);
  });

  it('keeps every version but queues jobs only for its member\'s workloads', async () => {
    const versionCreated = VERSION_CREATED;
    const jobsOf = async (member: string, eventName: string, payload: unknown, workloads: unknown[] = []) => {
      const { repository } = recordingRepository('apply');
      const jobs: string[] = [];
      const kept: string[] = [];
      Object.assign(repository, {
        upsertVersion: async (_m: unknown, d: { daoId: string }) => void kept.push(d.daoId),
        removeMember: async () => true,
        changeInfrastructure: async () => true,
        addJob: async (_m: unknown, id: string) => void jobs.push(id),
        workloads: async () => workloads,
        registeredWorkloadsBefore: async () => [],
      });
      const meta = { ledger: ledgerEvent(eventName, payload) } as never;
      const handlers = service(repository, () => undefined, {}, member).ledgerEventHandlers as Record<string, (event: never, meta: never) => unknown>;
      const effect = handlers[eventName]!(undefined as never, meta);
      await (effect as (m: unknown) => Promise<void>)({});
      return { jobs, kept };
    };
    expect(await jobsOf('Vsp1MSP', 'VersionCreated', versionCreated)).toEqual({ jobs: ['apply.d1.v1.r1'], kept: ['d1'] });
    expect(await jobsOf('OtherMSP', 'VersionCreated', versionCreated)).toEqual({ jobs: [], kept: ['d1'] });
    // Another member's leaving changes nothing of this member's part; its own leaving removes it.
    expect((await jobsOf('DspMSP', 'MemberExited', { mspId: 'Vsp1MSP' }, [{}])).jobs).toEqual([]);
    expect((await jobsOf('Vsp1MSP', 'MemberExited', { mspId: 'Vsp1MSP' }, [{}])).jobs).toEqual(['remove.d1.v1.Vsp1MSP']);
    expect((await jobsOf('Vsp1MSP', 'MemberExited', { mspId: 'Vsp1MSP' }, [])).jobs).toEqual([]);
    // A transfer of rights: the leaver's provisioner takes its workloads down; the recipient's and the others' do nothing.
    const transferred = { transferId: 't1', from: 'Vsp1MSP', to: 'NewMSP' };
    expect((await jobsOf('Vsp1MSP', 'MemberTransferred', transferred, [{}])).jobs).toEqual(['remove.d1.v1.Vsp1MSP']);
    expect((await jobsOf('NewMSP', 'MemberTransferred', transferred, [{}])).jobs).toEqual([]);
    // A new revision: the member with a part in it applies it; one with old workloads takes them down; others do nothing.
    const revision = { proposalId: 'p', outcome: 'accepted', effect: { infrastructureRequested: { revision: 2, spec: { workloads: [{ name: 'w', owner: 'Vsp1MSP', placement: 'managed', kind: 'service' }] } } } };
    expect((await jobsOf('Vsp1MSP', 'ProposalDecided', revision)).jobs).toEqual(['apply.d1.v1.r2']);
    expect((await jobsOf('DspMSP', 'ProposalDecided', revision, [{ status: 'active' }])).jobs).toEqual(['apply.d1.v1.r2']);
    expect((await jobsOf('DspMSP', 'ProposalDecided', revision, [{ status: 'destroyed' }])).jobs).toEqual([]);
  });
});

describe('ProvisioningService carry-over on a new version', () => {
  const V2_CREATED = {
    ...VERSION_CREATED,
    version: 2,
    members: [...VERSION_CREATED.members, { mspId: 'Vsp2MSP', group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 100000 }],
    infrastructureRequested: { revision: 1, spec: { workloads: [{ name: 'vsp2-mpc', owner: 'Vsp2MSP', placement: 'managed', kind: 'mpc-node' }] } },
  };
  const earlier = [
    { workloadId: 'd1-v1-dsp-mpc', daoId: 'd1', version: 1, owner: 'DspMSP', publicKeyPem: 'PEM-D', status: 'active' },
    { workloadId: 'd1-v1-vsp1-mpc', daoId: 'd1', version: 1, owner: 'Vsp1MSP', publicKeyPem: 'PEM-V', status: 'active' },
  ];

  const onVersion = async (payload: unknown, channel: string, member?: string) => {
    const { repository, outbox } = recordingRepository('apply');
    const jobs: string[] = [];
    const asked: unknown[][] = [];
    Object.assign(repository, {
      upsertVersion: async () => undefined,
      addJob: async (_m: unknown, id: string) => void jobs.push(id),
      registeredWorkloadsBefore: async (_m: unknown, daoId: string, before: number) => {
        asked.push([daoId, before]);
        return earlier.filter((w) => member === undefined || w.owner === member);
      },
    });
    const manager = { queryRunner: { isTransactionActive: true }, query: async (sql: string, params: unknown[]) => {
      if (/INSERT INTO .*outbox/s.test(sql)) outbox.push({ id: params[0] as string, payload: JSON.parse(params[3] as string) as never });
      return [{ id: params[0] }];
    } };
    const handlers = service(repository, () => undefined, {}, member).ledgerEventHandlers as Record<string, (event: never, meta: never) => unknown>;
    const effect = handlers['VersionCreated']!(undefined as never, { ledger: ledgerEvent('VersionCreated', payload, channel) } as never);
    await (effect as (m: unknown) => Promise<void>)(manager);
    return { jobs, asked, registered: outbox.map((m) => [m.id, m.payload.data.transaction, JSON.parse(m.payload.data.arguments[0]!)]) };
  };

  it('registers the earlier versions\' workloads on the new channel, in the inbox transaction, besides the apply job', async () => {
    const { jobs, asked, registered } = await onVersion(V2_CREATED, 'dao-d1-v2');
    expect(asked).toEqual([['d1', 2]]);
    expect(jobs).toEqual(['apply.d1.v2.r1']);
    expect(registered).toEqual([
      ['provisioner:register:dao-d1-v2:d1-v1-dsp-mpc', 'RegisterWorkload', { publicKeyPem: 'PEM-D', workloadId: 'd1-v1-dsp-mpc' }],
      ['provisioner:register:dao-d1-v2:d1-v1-vsp1-mpc', 'RegisterWorkload', { publicKeyPem: 'PEM-V', workloadId: 'd1-v1-vsp1-mpc' }],
    ]);
  });

  it('in member mode registers its own workloads even when it builds nothing for the new version', async () => {
    const { jobs, registered } = await onVersion(V2_CREATED, 'dao-d1-v2', 'DspMSP');
    expect(jobs).toEqual([]);
    expect(registered.map((r) => r[0])).toEqual(['provisioner:register:dao-d1-v2:d1-v1-dsp-mpc']);
  });

  it('carries nothing onto a first version', async () => {
    const { asked, registered } = await onVersion(VERSION_CREATED, 'dao-d1-v1');
    expect(asked).toEqual([]);
    expect(registered).toEqual([]);
  });
});

describe("ProvisioningService in member mode: its nodes' mesh from the ledger", () => {
  // Real certificates: the mesh file is parsed as the node parses it.
  const certs = new Map<string, string>();
  beforeAll(async () => {
    for (const i of [0, 1]) {
      const ca = await createMpcCa(`member-${i}-ca`, 1);
      certs.set(`CA${i}`, ca.cert);
      certs.set(`NODE${i}`, (await issueMpcCertificate(ca, 'mpc-node', 1)).cert);
    }
  });
  const pem = (tag: string) => certs.get(tag) ?? `-----BEGIN CERTIFICATE-----\n${tag}\n-----END CERTIFICATE-----\n`;
  const reportedNode = (i: number, owner: string) => ({
    workloadId: `d1-v1-mpc-${i}`,
    owner,
    partyIndex: i,
    controlUrl: `https://127.0.0.1:${7100 + i}`,
    meshEndpoint: `127.0.0.1:${7200 + i}`,
    certificatePem: pem(`NODE${i}`),
    caCertificatePem: pem(`CA${i}`),
  });

  /** A node's folder whose workload.json names the version it runs for. */
  const nodeDir = (version = 1) => {
    const dir = mkdtempSync(join(tmpdir(), 'prov-mesh-reported-'));
    writeFileSync(join(dir, 'workload.json'), JSON.stringify({ workloadId: 'd1-v1-mpc-1', version }));
    return dir;
  };

  /** The handler's effect for `InfrastructureProvisioned` with `nodes`, run as the consumer would, and what it wrote. */
  async function receive(member: string, nodes: unknown[], own: Array<{ workloadId: string; dir: string; status: string }>) {
    const { repository } = recordingRepository('apply');
    Object.assign(repository, { workloads: async () => own });
    const warnings: unknown[] = [];
    const meshService = new ProvisioningService({
      member,
      memberMesh: { issuer: { issue: async () => Promise.reject(new Error('not asked')) }, coordinatorCaFile: '/pub/ca.crt', controlClientNames: ['mpc-coordinator'] },
      repository,
      queue: { add: async () => undefined, state: async () => undefined },
      render: { workloadsRoot: '/nowhere', repoDir: '/nowhere', nodeBinary: 'node', launcher: [], kafkaBrokers: [], telemetryTopic: 't', backendSchema: 's' },
      tofu: { binary: 'tofu', root: '/nowhere', postgresUrl: 'postgres://x@localhost/x' },
      commandsTopic: 'commands',
      logger: { warn: (w: unknown) => void warnings.push(w), log: () => undefined, error: () => undefined } as never,
    });
    const payload = { revision: 1, status: 'provisioned', resources: { mpcNodes: nodes, workloads: nodes.length } };
    const handler = (meshService.ledgerEventHandlers as Record<string, (event: unknown, meta: unknown) => unknown>)['InfrastructureProvisioned']!;
    const effect = handler({ name: 'InfrastructureProvisioned', payload }, { ledger: ledgerEvent('InfrastructureProvisioned', payload) });
    if (effect === undefined) return { effect, warnings };
    const after = await (effect as (m: unknown) => Promise<(() => void) | void>)({});
    after?.();
    return { effect, warnings };
  }

  it("writes the mesh file of each of its running nodes the ledger lists, with the parties in index order", async () => {
    const dir = nodeDir();
    const nodes = [reportedNode(1, 'Vsp1MSP'), reportedNode(0, 'DspMSP')];
    await receive('Vsp1MSP', nodes, [{ workloadId: 'd1-v1-mpc-1', dir, status: 'active' }]);
    const mesh = parseMpcMeshFile(readFileSync(join(dir, 'mesh.json'), 'utf8'));
    expect(mesh.index).toBe(1);
    // The version (channel) and revision of the report: the one the node's mesh serves.
    expect(mesh.serves).toEqual({ daoId: 'd1', version: 1, revision: 1 });
    expect(mesh.parties.map((p) => [p.endpoint, p.certificatePem, p.caCertificatePem])).toEqual([
      ['127.0.0.1:7200', pem('NODE0'), pem('CA0')],
      ['127.0.0.1:7201', pem('NODE1'), pem('CA1')],
    ]);
  });

  it("does nothing for a list without its nodes, and warns (writing nothing) for one that makes no mesh", async () => {
    expect((await receive('OtherMSP', [reportedNode(0, 'DspMSP'), reportedNode(1, 'Vsp1MSP')], [])).effect).toBeUndefined();
    const dir = nodeDir();
    const { warnings } = await receive('Vsp1MSP', [reportedNode(0, 'DspMSP'), { ...reportedNode(1, 'Vsp1MSP'), certificatePem: undefined }], [{ workloadId: 'd1-v1-mpc-1', dir, status: 'active' }]);
    expect(existsSync(join(dir, 'mesh.json'))).toBe(false);
    expect(warnings).toEqual([expect.objectContaining({ workloadId: 'd1-v1-mpc-1', reason: expect.stringMatching(/not run in its member's domain/) })]);
    // A destroyed node of the version gets no file.
    const gone = nodeDir();
    await receive('Vsp1MSP', [reportedNode(0, 'DspMSP'), reportedNode(1, 'Vsp1MSP')], [{ workloadId: 'd1-v1-mpc-1', dir: gone, status: 'destroyed' }]);
    expect(existsSync(join(gone, 'mesh.json'))).toBe(false);
    // A node version 2 took over meanwhile (one node per member per DAO) waits for version 2's mesh, not version 1's.
    const taken = nodeDir(2);
    await receive('Vsp1MSP', [reportedNode(0, 'DspMSP'), reportedNode(1, 'Vsp1MSP')], [{ workloadId: 'd1-v1-mpc-1', dir: taken, status: 'active' }]);
    expect(existsSync(join(taken, 'mesh.json'))).toBe(false);
  });
});
