import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import type { Kafka, KafkaMessage } from 'kafkajs';
import request from 'supertest';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp, GrpcServer } from '@datawell/service-platform';
import { heartbeatMessageSchema, verifyHeartbeatSignature } from '@datawell/contracts';
import { hex, readTopic as readTopicUntil, sleep, stackConnection, stackEnv, stackKafka, waitFor as waitUntil } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { TofuWorkspace } from '../../src/provisioning/tofu.adapter';
import { isAlive } from '@datawell/workload-runtime';
import { loginAs, provisionerClient } from './access';
import { createTopics, dataOf as data, db, killWorkloads, ledgerEventPublisher, scratchSettings, versionCreatedPayload } from './harness';
import { type ProvisionerConfig, provisionerService } from '../../src/config';

jest.setTimeout(420_000);

/** Jobs run OpenTofu and start processes: slower than most. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) => waitUntil(what, probe, { timeoutMs: 180_000, intervalMs: 500 });

/** Reads a topic from the beginning until `done` holds for what was seen. */
const readTopic = (kafka: Kafka, topic: string, done: (m: KafkaMessage[]) => boolean) => readTopicUntil(kafka, topic, done, { timeoutMs: 120_000, groupPrefix: 'prov-it-reader' });

interface InfraView {
  status: string;
  stateSerial: number | null;
  workloads: Array<{ workloadId: string; owner: string; status: string; supervisorPid: number | null; workloadPid: number | null; publicKeyPem: string }>;
}

describe('the provisioner: ledger events → OpenTofu → supervised heartbeating workloads → ledger commands', () => {
  const daoId = `pit${hex()}`;
  const channel = `dao-${daoId}-v1`;
  // A scratch schema of its own, so the identity directory holds only this suite's organisations.
  const schema = `prov_it_svc_${hex()}`;
  const workDir = mkdtempSync(join(tmpdir(), 'prov-it-'));
  const scratch = scratchSettings(workDir);
  const { topics, tofuSchema } = scratch;
  const kafka = stackKafka(`prov-it-${hex()}`);
  const events = ledgerEventPublisher(kafka, topics.events, daoId);
  let app: INestApplication;
  /** Bearer tokens: the version's DSP and VSP, and an organisation outside it. */
  const tokens = { dsp: '', vsp: '', outsider: '' };
  const outsider = `Out${hex(2)}MSP`;
  /** GET as the DSP by default; `null` sends no token. */
  const get = (path: string, token: string | null = tokens.dsp) => {
    const req = request(app.getHttpServer()).get(path);
    return token === null ? req : req.set('authorization', `Bearer ${token}`);
  };

  const { publish } = events;
  const infra = async (): Promise<InfraView> => (await get(`/daos/${daoId}/versions/1/infrastructure`).expect(200)).body as InfraView;
  const job = async (id: string) => {
    const res = await get(`/jobs/${id}`);
    return res.status === 200 ? (res.body as { state: string; progress: number; attempts: number; error: string | null }) : undefined;
  };
  const completed = (id: string) => waitFor(`job ${id}`, async () => {
    const j = await job(id);
    if (j?.state === 'failed') throw new Error(`job ${id} failed: ${j.error}`);
    return j?.state === 'completed' ? j : undefined;
  });

  const versionCreated = versionCreatedPayload(daoId);

  beforeAll(async () => {
    await createTopics(kafka, topics);
    const loaded = loadServiceConfig(provisionerService, {
      ...stackEnv(),
      PROVISIONER_GRPC_PORT: '0',
      DATAWELL_LOG_LEVEL: 'warn',
      ...scratch.env,
      PROVISIONER_JOB_ATTEMPTS: '2',
    });
    const config = { ...loaded, postgres: { ...loaded.postgres, schema } } as ProvisionerConfig;
    expect(config.settings.tofuBinary).toBe(stackConnection().opentofu.binary);
    app = await createServiceApp(config, AppModule.forConfig);
    await app.init();
    tokens.dsp = await loginAs(app, schema, 'DspMSP', 'DSP');
    tokens.vsp = await loginAs(app, schema, 'Vsp1MSP', 'VSP');
    tokens.outsider = await loginAs(app, schema, outsider, 'VSP');
  });

  afterAll(async () => {
    await app?.close();
    // Whatever a failed run left running.
    killWorkloads(workDir);
    await db(`DROP SCHEMA IF EXISTS "${tofuSchema}" CASCADE`);
    await db(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('applies VersionCreated once, runs managed workloads that heartbeat with their own keys, and reports to the ledger', async () => {
    const first = await publish('VersionCreated', versionCreated, `tx${hex(8)}`);
    const applied = await completed(`apply.${daoId}.v1.r1`);
    expect(applied).toMatchObject({ progress: 100, attempts: 1 });

    const view = await infra();
    expect(view.status).toBe('provisioned');
    expect(view.stateSerial).toEqual(expect.any(Number));
    expect(view.workloads.map((w) => [w.workloadId, w.owner, w.status])).toEqual([
      [`${daoId}-v1-dsp-mpc`, 'DspMSP', 'running'],
      [`${daoId}-v1-vsp1-mpc`, 'Vsp1MSP', 'running'],
    ]);
    for (const w of view.workloads) expect(isAlive(w.supervisorPid!) && isAlive(w.workloadPid!)).toBe(true);

    // Logs of the job: OpenTofu's own output.
    const logs = (await get(`/jobs/apply.${daoId}.v1.r1/logs`).expect(200)).body as Array<{ line: string }>;
    expect(logs.some((l) => /Apply complete! Resources: 2 added/.test(l.line))).toBe(true);
    expect((await get('/tofu/states').expect(200)).body).toEqual({ schema: tofuSchema, count: 1 });

    // Signed heartbeats from both workloads, verifying with the keys to be registered.
    const keys = new Map(view.workloads.map((w) => [w.workloadId, w.publicKeyPem]));
    const beats = await readTopic(kafka, topics.telemetry, (ms) => new Set(ms.map((m) => String(m.key))).size >= 2);
    for (const m of beats) {
      const message = heartbeatMessageSchema.parse(data(m));
      expect(message).toMatchObject({ daoId, version: 1 });
      expect(verifyHeartbeatSignature(message.heartbeat, keys.get(message.heartbeat.workloadId)!)).toBe(true);
      expect(message.heartbeat.metrics).toEqual(expect.objectContaining({ uptimeSeconds: expect.any(Number), rssMb: expect.any(Number) }));
    }

    // The ledger commands: RegisterWorkload as each owner, then InfrastructureProvisioned as the DSP.
    const commands = (await readTopic(kafka, topics.commands, (ms) => ms.length >= 3)).map(data);
    expect(commands.map((c) => [c['transaction'], c['actingMspId'], c['channel']])).toEqual([
      ['RegisterWorkload', 'DspMSP', channel],
      ['RegisterWorkload', 'Vsp1MSP', channel],
      ['InfrastructureProvisioned', 'DspMSP', channel],
    ]);
    expect(JSON.parse((commands[1]!['arguments'] as string[])[0]!)).toEqual({ workloadId: `${daoId}-v1-vsp1-mpc`, publicKeyPem: keys.get(`${daoId}-v1-vsp1-mpc`) });
    expect(JSON.parse((commands[2]!['arguments'] as string[])[0]!)).toEqual({ revision: 1, outputsDigest: expect.stringMatching(/^[0-9a-f]{64}$/), resources: { workloads: 2 } });

    // A redelivered VersionCreated (same CloudEvent id) adds no job and applies nothing again.
    await events.redeliver(first);
    await sleep(3000);
    const jobs = (await get('/jobs').expect(200)).body as Array<{ id: string; daoId: string; attempts: number }>;
    expect(jobs.filter((j) => j.daoId === daoId)).toEqual([expect.objectContaining({ id: `apply.${daoId}.v1.r1`, attempts: 1 })]);
    expect((await infra()).stateSerial).toBe(view.stateSerial);

    // The supervisor restarts a killed workload process; killing the supervisor ends both.
    const dsp = view.workloads[0]!;
    process.kill(dsp.workloadPid!, 'SIGKILL');
    const restarted = await waitFor('a restarted workload', async () => {
      const w = (await infra()).workloads[0]!;
      return w.workloadPid !== dsp.workloadPid && isAlive(w.workloadPid!) ? w : undefined;
    });
    expect(restarted.supervisorPid).toBe(dsp.supervisorPid);
  });

  it('serves jobs and infrastructure over HTTP only to members of the DAO version, with a bearer token', async () => {
    const jobId = `apply.${daoId}.v1.r1`;
    for (const path of ['/jobs', `/jobs/${jobId}`, `/jobs/${jobId}/logs`, `/daos/${daoId}/versions/1/infrastructure`]) {
      expect((await get(path, null).expect(401)).body).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect((await get(path, 'not-a-token').expect(401)).body).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    // The VSP member sees the version too; an outsider sees none of it.
    expect((await get(`/daos/${daoId}/versions/1/infrastructure`, tokens.vsp).expect(200)).body).toMatchObject({ daoId, version: 1, status: 'provisioned' });
    expect((await get(`/jobs/${jobId}`, tokens.vsp).expect(200)).body).toMatchObject({ id: jobId, state: 'completed' });
    expect(((await get('/jobs', tokens.vsp).expect(200)).body as Array<{ id: string }>).map((j) => j.id)).toContain(jobId);
    // To an outsider an existing job or version answers exactly as an unknown one (ids cannot be probed).
    const unknownJob = 'apply.nope.v1.r1';
    expect((await get(`/jobs/${jobId}`, tokens.outsider).expect(404)).body).toEqual({ code: 'JOB_NOT_FOUND', message: `no job ${jobId}` });
    expect((await get(`/jobs/${jobId}/logs`, tokens.outsider).expect(404)).body).toEqual({ code: 'JOB_NOT_FOUND', message: `no job ${jobId}` });
    expect((await get(`/jobs/${unknownJob}`, tokens.outsider).expect(404)).body).toEqual({ code: 'JOB_NOT_FOUND', message: `no job ${unknownJob}` });
    expect((await get(`/daos/${daoId}/versions/1/infrastructure`, tokens.outsider).expect(404)).body).toEqual({ code: 'VERSION_NOT_FOUND', message: `no infrastructure for DAO ${daoId} version 1` });
    expect((await get(`/daos/${daoId}/versions/9/infrastructure`, tokens.outsider).expect(404)).body).toEqual({ code: 'VERSION_NOT_FOUND', message: `no infrastructure for DAO ${daoId} version 9` });
    expect(((await get('/jobs', tokens.outsider).expect(200)).body as Array<{ daoId: string }>).filter((j) => j.daoId === daoId)).toEqual([]);
    // The state count is the caller's DAOs' only.
    expect((await get('/tofu/states', null).expect(401)).body).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await get('/tofu/states', tokens.vsp).expect(200)).body).toEqual({ schema: tofuSchema, count: 1 });
    expect((await get('/tofu/states', tokens.outsider).expect(200)).body).toEqual({ schema: tofuSchema, count: 0 });
  });

  it('serves GetInfrastructure and GetJob over gRPC with the same authentication and membership', async () => {
    const { call, close } = provisionerClient(app.get(GrpcServer).port);
    const jobId = `apply.${daoId}.v1.r1`;
    try {
      const view = await call('GetInfrastructure', { dao_id: daoId, version: 1 }, tokens.dsp);
      expect(view).toMatchObject({ dao_id: daoId, version: 1, revision: 1, status: 'provisioned', workspace: channel, dissolved: false, removed_members: [] });
      expect(view['state_serial']).toEqual(expect.any(Number));
      expect((view['workloads'] as Array<Record<string, unknown>>).map((w) => [w['workload_id'], w['owner'], w['status'], typeof w['workload_pid']])).toEqual([
        [`${daoId}-v1-dsp-mpc`, 'DspMSP', 'running', 'number'],
        [`${daoId}-v1-vsp1-mpc`, 'Vsp1MSP', 'running', 'number'],
      ]);
      expect(await call('GetJob', { id: jobId }, tokens.vsp)).toMatchObject({ id: jobId, kind: 'apply', dao_id: daoId, version: 1, state: 'completed', progress: 100, attempts: 1 });

      await expect(call('GetInfrastructure', { dao_id: daoId, version: 1 })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      await expect(call('GetJob', { id: jobId }, 'forged.token')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      // An outsider: NOT_FOUND, as for an unknown id.
      await expect(call('GetInfrastructure', { dao_id: daoId, version: 1 }, tokens.outsider)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call('GetJob', { id: jobId }, tokens.outsider)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call('GetInfrastructure', { dao_id: daoId, version: 2 }, tokens.dsp)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call('GetJob', { id: 'apply.nope.v1.r1' }, tokens.dsp)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call('GetInfrastructure', { dao_id: 'NOPE!', version: 1 }, tokens.dsp)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      await expect(call('GetJob', { id: '' }, tokens.dsp)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    } finally {
      close();
    }
  });

  it('replaces a workload whose configuration a new revision changes, and the replaced one signs with the key its channel registered', async () => {
    const before = (await infra()).workloads;
    const keyFile = join(workDir, 'workloads', `${daoId}-v1-dsp-mpc`, 'key.pem');
    const key = readFileSync(keyFile, 'utf8');
    const spec = structuredClone((versionCreated['infrastructureRequested'] as { spec: { workloads: Array<Record<string, unknown>> } }).spec);
    spec.workloads[0]!['parameters'] = { memoryMb: 256 };
    await publish('ProposalDecided', { proposalId: `infra-${daoId}`, outcome: 'accepted', effect: { infrastructureRequested: { revision: 2, spec } } });
    await completed(`apply.${daoId}.v1.r2`);
    const after = (await infra()).workloads;
    // OpenTofu replaced the DSP's workload (stopped, then started with its new configuration): new
    // processes, the same key, running; the VSP's, unchanged, kept its processes.
    expect(after.map((w) => [w.workloadId, w.status, w.publicKeyPem])).toEqual(before.map((w) => [w.workloadId, 'running', w.publicKeyPem]));
    expect(after[0]!.supervisorPid).not.toBe(before[0]!.supervisorPid);
    expect(after[1]!.supervisorPid).toBe(before[1]!.supervisorPid);
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    // …and heartbeats again, signed with that key.
    const since = Date.now();
    const beats = await readTopic(kafka, topics.telemetry, (ms) => ms.some((m) => String(m.key) === `${daoId}-v1-dsp-mpc` && heartbeatMessageSchema.parse(data(m)).heartbeat.timestamp > since));
    const fresh = beats.map((m) => heartbeatMessageSchema.parse(data(m))).filter((m) => m.heartbeat.workloadId === `${daoId}-v1-dsp-mpc` && m.heartbeat.timestamp > since);
    expect(fresh.length).toBeGreaterThan(0);
    for (const m of fresh) expect(verifyHeartbeatSignature(m.heartbeat, before[0]!.publicKeyPem)).toBe(true);
  });

  it("destroys an abandoning member's workloads, then the whole workspace when the version is dissolved", async () => {
    const before = await infra();
    const vsp = before.workloads.find((w) => w.owner === 'Vsp1MSP')!;
    await publish('MemberAbandoned', { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', levelEnded: true, dissolved: false });
    await completed(`remove.${daoId}.v1.Vsp1MSP`);
    const after = await infra();
    expect(after.workloads.map((w) => [w.owner, w.status])).toEqual([
      ['DspMSP', 'running'],
      ['Vsp1MSP', 'destroyed'],
    ]);
    expect(isAlive(vsp.supervisorPid!) || isAlive(vsp.workloadPid!)).toBe(false);
    const [state] = await db<{ data: string }>(`SELECT data FROM "${tofuSchema}".states WHERE name = $1`, [channel]);
    expect(Object.keys((JSON.parse(state!.data) as { resources: Array<{ instances: Array<{ index_key: string }> }> }).resources[0]!.instances.reduce((a, i) => ({ ...a, [i.index_key]: 1 }), {}))).toEqual([
      `${daoId}-v1-dsp-mpc`,
    ]);

    const dsp = after.workloads[0]!;
    await publish('MemberExited', { mspId: 'DspMSP', group: 'D', role: 'DSP', levelEnded: true, dissolved: true });
    await completed(`destroy.${daoId}.v1`);
    const dissolved = await infra();
    expect(dissolved).toMatchObject({ status: 'destroyed', stateSerial: null });
    expect(dissolved.workloads.every((w) => w.status === 'destroyed')).toBe(true);
    expect(isAlive(dsp.supervisorPid!)).toBe(false);
    expect(await db(`SELECT name FROM "${tofuSchema}".states WHERE name = $1`, [channel])).toEqual([]);
    expect(existsSync(join(workDir, 'workloads', `${daoId}-v1-dsp-mpc`, 'key.pem'))).toBe(false);
  });

  it('answers unknown jobs and versions with 404 and bad input with 400', async () => {
    expect((await get('/jobs/nope').expect(404)).body).toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect((await get('/daos/nope/versions/1/infrastructure').expect(404)).body).toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect((await get('/daos/NOPE!/versions/x/infrastructure').expect(400)).body).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await get('/jobs/x/logs?after=-1').expect(400)).body).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('OpenTofu state locking in the pg backend', () => {
  const schema = `prov_lock_${hex()}`;
  const root = mkdtempSync(join(tmpdir(), 'prov-lock-'));
  afterAll(async () => {
    await db(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    rmSync(root, { recursive: true, force: true });
  });

  it('lets one of two concurrent applies of a workspace hold the lock; the other fails cleanly and the state stays whole', async () => {
    const workspace = new TofuWorkspace({ binary: stackConnection().opentofu.binary, root, postgresUrl: stackConnection().postgres.url }, `lock-${hex()}`);
    workspace.writeConfiguration({
      terraform: { backend: { pg: { schema_name: schema } } },
      resource: { terraform_data: { slow: { input: 'x', provisioner: [{ 'local-exec': { command: 'sleep 4' } }] } } },
    });
    const lines: string[] = [];
    await workspace.prepare((l) => lines.push(l));
    const results = await Promise.allSettled([workspace.apply(() => undefined, '0s'), sleep(500).then(() => workspace.apply(() => undefined, '0s'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'TOFU_STATE_LOCKED' });
    const [state] = await db<{ data: string }>(`SELECT data FROM "${schema}".states WHERE name = $1`, [workspace.name]);
    expect((JSON.parse(state!.data) as { resources: unknown[] }).resources).toHaveLength(1);
    // Re-applying converges: nothing to do.
    const again: string[] = [];
    await workspace.apply((l) => again.push(l));
    expect(again.join('\n')).toMatch(/No changes|0 added, 0 changed, 0 destroyed/);
  });
});
