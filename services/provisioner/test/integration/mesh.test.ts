import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { heartbeatMessageSchema, verifyHeartbeatSignature } from '@datawell/contracts';
import { createMpcCa, issueMpcCertificate, type TlsIdentity } from '@datawell/mpc';
import { hex, readTopic, stackEnv, stackKafka, waitFor as waitUntil } from '@datawell/testing';
import { openReading, sealReading } from '@datawell/iot';
import { AppModule } from '../../src/app.module';
import { ProvisioningView } from '../../src/provisioning/provisioning-view.service';
import { createTopics, dataOf, db, killWorkloads, ledgerEventPublisher, scratchSettings, versionCreatedPayload } from './harness';
import { type ProvisionerConfig, provisionerService } from '../../src/config';

/**
 * With the operator's mesh CA, the managed `mpc-node` workloads of a version run Datawell's SPDZ node:
 * they form the mesh over mutual TLS, heartbeat with their workload keys, answer the coordinator on
 * their control API, and are reported on the ledger for the coordinator to find.
 */
jest.setTimeout(420_000);

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false) => waitUntil(what, probe, { timeoutMs: 240_000, intervalMs: 1000 });

/** A call to a node's control API with a client certificate (the coordinator's, or another). */
function control(url: string, identity: TlsIdentity, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}${path}`, { method: 'GET', cert: identity.cert, key: identity.key, ca: identity.ca, checkServerIdentity: () => undefined, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the provisioner runs the real MPC nodes of a version', () => {
  const daoId = `pmesh${hex()}`;
  const schema = `prov_mesh_${hex()}`;
  const workDir = mkdtempSync(join(tmpdir(), 'prov-mesh-'));
  const scratch = scratchSettings(workDir);
  const kafka = stackKafka(`prov-mesh-${hex()}`);
  const events = ledgerEventPublisher(kafka, scratch.topics.events, daoId);
  let app: INestApplication;
  let coordinator: TlsIdentity;
  let party: TlsIdentity;

  beforeAll(async () => {
    await createTopics(kafka, scratch.topics);
    const ca = await createMpcCa('datawell-mpc-it');
    writeFileSync(join(workDir, 'mpc-ca.crt'), ca.cert);
    writeFileSync(join(workDir, 'mpc-ca.key'), ca.key, { mode: 0o600 });
    coordinator = await issueMpcCertificate(ca, 'mpc-coordinator');
    party = await issueMpcCertificate(ca, `${daoId}-v1-dsp-mpc`);
    const loaded = loadServiceConfig(provisionerService, {
      ...stackEnv(),
      PROVISIONER_GRPC_PORT: '0',
      DATAWELL_LOG_LEVEL: 'warn',
      ...scratch.env,
      PROVISIONER_MPC_CA_CERT_FILE: join(workDir, 'mpc-ca.crt'),
      PROVISIONER_MPC_CA_KEY_FILE: join(workDir, 'mpc-ca.key'),
    });
    app = await createServiceApp({ ...loaded, postgres: { ...loaded.postgres, schema } } as ProvisionerConfig, AppModule.forConfig);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    // The nodes end with their workload processes (an IPC channel), however those die.
    killWorkloads(workDir);
    await db(`DROP SCHEMA IF EXISTS "${scratch.tofuSchema}" CASCADE`);
    await db(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('forms the mesh, heartbeats with the workload keys, serves the coordinator only, reports the nodes, and stops them on dissolution', async () => {
    // The DSP's node owns a Kafka dataset of readings and a local file.
    const payload = versionCreatedPayload(daoId) as { infrastructureRequested: { spec: { workloads: Array<{ parameters?: Record<string, unknown> }> } } };
    payload.infrastructureRequested.spec.workloads[0]!.parameters = { memoryMb: 128, datasets: { readings: { topic: `dspmsp.${daoId}.readings` }, archive: { file: '/data/archive.csv' } } };
    await events.publish('VersionCreated', payload as Record<string, unknown>);

    // The ledger commands: each workload's key, then the infrastructure with the mesh's nodes.
    const commands = (await readTopic(kafka, scratch.topics.commands, (ms) => ms.length >= 3, { timeoutMs: 240_000, groupPrefix: 'prov-mesh-reader' })).map(dataOf);
    expect(commands.map((c) => c['transaction'])).toEqual(['RegisterWorkload', 'RegisterWorkload', 'InfrastructureProvisioned']);
    const keys = new Map(commands.slice(0, 2).map((c) => JSON.parse((c['arguments'] as string[])[0]!) as { workloadId: string; publicKeyPem: string }).map((r) => [r.workloadId, r.publicKeyPem]));
    const report = JSON.parse((commands[2]!['arguments'] as string[])[0]!) as { resources: { workloads: number; mpcNodes: Array<{ workloadId: string; owner: string; partyIndex: number; controlUrl: string }> } };
    expect(report.resources.workloads).toBe(2);
    expect(report.resources.mpcNodes).toEqual([
      { workloadId: `${daoId}-v1-dsp-mpc`, owner: 'DspMSP', partyIndex: 0, controlUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) },
      { workloadId: `${daoId}-v1-vsp1-mpc`, owner: 'Vsp1MSP', partyIndex: 1, controlUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) },
    ]);

    // Each node connects the mesh and sets up its MASCOT material, then answers the coordinator.
    for (const node of report.resources.mpcNodes) {
      const inventory = await waitFor(`node ${node.partyIndex} ready`, async () => {
        const res = await control(node.controlUrl, coordinator, '/inventory').catch(() => undefined);
        return res?.status === 200 ? res.body : undefined;
      });
      expect(inventory).toMatchObject({ party: node.partyIndex, parties: 2 });
      // A party's certificate is not the coordinator's.
      expect((await control(node.controlUrl, party, '/inventory')).status).toBe(403);
    }

    // Each node has its own X25519 key pair for sealed readings beside its other keys: private 0600, public
    // in a file and in the infrastructure view; the DSP's Kafka dataset is read sealed with it, for its owner.
    const view = await app.get(ProvisioningView).infrastructure('DspMSP', daoId, 1);
    for (const node of report.resources.mpcNodes) {
      const dir = join(workDir, 'workloads', node.workloadId);
      const keyFile = join(dir, 'readings.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const publicKeyPem = readFileSync(join(dir, 'readings.pub'), 'utf8');
      expect(view.workloads.find((w) => w.workloadId === node.workloadId)?.readingsPublicKeyPem).toBe(publicKeyPem);
      expect(publicKeyPem).not.toBe(keys.get(node.workloadId));
      const context = { owner: node.owner, dataset: 'readings', topic: `dspmsp.${daoId}.readings` };
      expect(await openReading(readFileSync(keyFile, 'utf8'), await sealReading(publicKeyPem, { pm25: 12.5 }, context), context)).toEqual({ pm25: 12.5 });
    }
    const dspDir = join(workDir, 'workloads', `${daoId}-v1-dsp-mpc`);
    const dspConfig = JSON.parse(readFileSync(join(dspDir, 'workload.json'), 'utf8')) as { mpc: { datasets: unknown } };
    expect(dspConfig.mpc.datasets).toEqual({ readings: { topic: `dspmsp.${daoId}.readings`, sealed: { keyFile: join(dspDir, 'readings.key'), owner: 'DspMSP' } }, archive: { file: '/data/archive.csv' } });

    // The nodes heartbeat themselves, signed with the keys registered for their workloads.
    const beats = await readTopic(kafka, scratch.topics.telemetry, (ms) => new Set(ms.map((m) => String(m.key))).size >= 2, { timeoutMs: 120_000, groupPrefix: 'prov-mesh-beats' });
    for (const m of beats) {
      const message = heartbeatMessageSchema.parse(dataOf(m));
      expect(verifyHeartbeatSignature(message.heartbeat, keys.get(message.heartbeat.workloadId)!)).toBe(true);
      expect(message.heartbeat.metrics).toEqual(expect.objectContaining({ ready: expect.anything() }));
    }

    // Dissolution: the workspace is destroyed and the nodes stop.
    await events.publish('MemberExited', { mspId: 'DspMSP', group: 'D', role: 'DSP', levelEnded: true, dissolved: true });
    await waitFor('the nodes stopped', async () => {
      const answers = await Promise.all(report.resources.mpcNodes.map((n) => control(n.controlUrl, coordinator, '/inventory').then(() => 'up', () => 'down')));
      return answers.every((a) => a === 'down');
    });
  });
});
