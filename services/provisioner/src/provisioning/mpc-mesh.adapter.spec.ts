import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mpcNodeEnvironment, parseMpcMeshFile, type WorkloadConfig } from '@datawell/contracts';
import { createMpcCa, issueMpcCertificate, parseOtExtensionChoice, type MpcCa } from '@datawell/mpc';
import { MESH_FILE, meshFileOf, planMemberMesh, planMesh, writeMeshFile } from './mpc-mesh.adapter';
import type { NodeIdentityIssuer } from './node-identity';
import { DESIRED } from './fixtures.spec-helper';
import type { DesiredVersion } from './spec';
import type { RenderedWorkload } from './tofu-config';

// The OT extension set on the provisioner reaches every node it starts, through the node's environment.
describe('the mesh of a version: the OT extension of its nodes', () => {
  const root = mkdtempSync(join(tmpdir(), 'prov-mesh-'));
  let ca: { certFile: string; keyFile: string };
  beforeAll(async () => {
    const made = await createMpcCa('prov-mesh-spec-ca', 1);
    ca = { certFile: join(root, 'ca.crt'), keyFile: join(root, 'ca.key') };
    writeFileSync(ca.certFile, made.cert);
    writeFileSync(ca.keyFile, made.key, { mode: 0o600 });
  });

  const node = (id: string, owner: string): RenderedWorkload => ({
    config: { workloadId: id, daoId: 'd1', version: 1, name: id, owner, kind: 'mpc-node', parameters: {}, heartbeatIntervalSeconds: 5, kafkaBrokers: ['127.0.0.1:9092'], telemetryTopic: 't', keyFile: join(root, id, 'key.pem') } as WorkloadConfig,
    dir: join(root, id),
    digest: id,
  });
  const workloads = [node('d1-v1-dsp-mpc', 'DspMSP'), node('d1-v1-vsp-mpc', 'VspMSP')];
  const envOf = (w: RenderedWorkload, mesh: Map<string, NonNullable<WorkloadConfig['mpc']>>) => mpcNodeEnvironment({ ...w.config, mpc: mesh.get(w.config.workloadId)! });

  it('gives every node the one the provisioner is set with', async () => {
    const mesh = await planMesh(workloads, { ca, controlClientNames: ['mpc-coordinator'], otExtension: 'softspoken:4' });
    expect(mesh.size).toBe(2);
    for (const w of workloads) {
      const env = envOf(w, mesh);
      expect(env['MPC_NODE_OT_EXTENSION']).toBe('softspoken:4');
      expect(parseOtExtensionChoice(env['MPC_NODE_OT_EXTENSION'])).toEqual({ kind: 'softspoken', k: 4 });
    }
  });

  it('gives none without the setting: the nodes use their default', async () => {
    const mesh = await planMesh(workloads, { ca, controlClientNames: ['mpc-coordinator'] });
    for (const w of workloads) expect(envOf(w, mesh)).not.toHaveProperty('MPC_NODE_OT_EXTENSION');
  });
});

// Member mode (trust domains): a member's provisioner runs only its own nodes, with identities from its
// own CA, and writes each node's mesh file from the ledger once every member's part is in.
describe("a member's nodes: the mesh from every member's part on the ledger", () => {
  const root = mkdtempSync(join(tmpdir(), 'prov-member-mesh-'));
  const cas = new Map<string, MpcCa>();
  /** An issuer as the member's own CA would be: one CA per member, every node named the same. */
  const issuerOf = (member: string): NodeIdentityIssuer => ({
    async issue(dir, name) {
      const ca = cas.get(member) ?? (await createMpcCa(`${member}-ca`, 1));
      cas.set(member, ca);
      const identity = await issueMpcCertificate(ca, 'mpc-node', 1);
      const files = { certFile: join(dir, 'mpc-node.crt'), keyFile: join(dir, 'mpc-node.key'), caFile: join(dir, 'mpc-ca.crt') };
      writeFileSync(files.certFile, identity.cert);
      writeFileSync(files.keyFile, identity.key, { mode: 0o600 });
      writeFileSync(files.caFile, ca.cert);
      issued.push(name);
      return { ...files, certificatePem: identity.cert, caCertificatePem: ca.cert };
    },
  });
  const issued: string[] = [];
  const options = (member: string) => ({ issuer: issuerOf(member), coordinatorCaFile: '/pub/coordinator-ca.crt', controlClientNames: ['mpc-coordinator'], ledgerUrl: 'http://127.0.0.1:7300', coordinatorUrl: 'http://127.0.0.1:4105' });
  /** The version of the shared fixture with these managed workloads (name, owner, kind: default an MPC node). */
  const spec = (names: Array<[string, string, string?]>): DesiredVersion => ({
    ...DESIRED,
    spec: { workloads: names.map(([name, owner, kind]) => ({ name, owner, placement: 'managed' as const, kind: kind ?? 'mpc-node' })) },
  });
  const own = (member: string, name: string, parameters: Record<string, unknown> = {}): RenderedWorkload => ({
    config: { workloadId: `d1-v1-${name}`, daoId: 'd1', version: 1, name, owner: member, kind: 'mpc-node', parameters, heartbeatIntervalSeconds: 5, kafkaBrokers: ['127.0.0.1:9092'], telemetryTopic: 't', keyFile: join(root, member, name, 'key.pem') } as WorkloadConfig,
    dir: join(root, member, name),
    digest: name,
  });

  it("indexes a member's node by the spec's order of every member's nodes, with an identity of its own CA, and a node that waits for its mesh file", async () => {
    const all = spec([['vsp-mpc', 'VspMSP'], ['model', 'VspMSP', 'service'], ['dsp-mpc', 'DspMSP']]);
    const dsp = own('DspMSP', 'dsp-mpc', { datasets: { readings: { topic: 'dspmsp.readings' } } });
    const plan = await planMemberMesh(all, [dsp], options('DspMSP'));
    expect(plan.nodes).toEqual([
      expect.objectContaining({ workloadId: 'd1-v1-dsp-mpc', owner: 'DspMSP', partyIndex: 1, certificatePem: expect.stringContaining('BEGIN CERTIFICATE'), caCertificatePem: cas.get('DspMSP')!.cert }),
    ]);
    expect(plan.nodes[0]!.meshEndpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(plan.nodes[0]!.controlUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // The node registers itself at the coordinator with the control URL its part reports.
    expect(plan.mesh.get('d1-v1-dsp-mpc')).toMatchObject({ coordinatorUrl: 'http://127.0.0.1:4105', controlUrl: plan.nodes[0]!.controlUrl });
    const env = mpcNodeEnvironment({ ...dsp.config, mpc: plan.mesh.get('d1-v1-dsp-mpc')! });
    expect(env).toMatchObject({ MPC_NODE_MESH_FILE: join(dsp.dir, MESH_FILE), MPC_NODE_CONTROL_CA_FILE: '/pub/coordinator-ca.crt', MPC_NODE_TLS_CERT_FILE: join(dsp.dir, 'mpc-node.crt'), MPC_NODE_LEDGER_URL: 'http://127.0.0.1:7300' });
    expect(env).not.toHaveProperty('MPC_NODE_NAMES');
    expect(env).not.toHaveProperty('MPC_NODE_TLS_CA_FILE');
    // Its Kafka dataset is sealed to its own readings key, kept in its folder.
    expect(JSON.parse(env['MPC_NODE_DATASETS']!)).toEqual({ readings: { topic: 'dspmsp.readings', sealed: { keyFile: join(dsp.dir, 'readings.key'), owner: 'DspMSP' } } });
    expect(issued).toContain('d1-v1-dsp-mpc');
    // Planned again (a re-apply), it keeps its ports.
    const again = await planMemberMesh(all, [dsp], options('DspMSP'));
    expect(again.nodes[0]!.meshEndpoint).toBe(plan.nodes[0]!.meshEndpoint);
  });

  it('plans no mesh when the version has fewer than two nodes', async () => {
    const plan = await planMemberMesh(spec([['dsp-mpc', 'DspMSP'], ['model', 'VspMSP', 'service']]), [own('DspMSP', 'dsp-mpc')], options('DspMSP'));
    expect(plan.mesh.size).toBe(0);
    expect(plan.nodes).toEqual([]);
  });

  it("writes each node's mesh file from the nodes every member reported, once, and refuses a list that makes no mesh", async () => {
    const all = spec([['dsp-mpc', 'DspMSP'], ['vsp-mpc', 'VspMSP']]);
    const dsp = own('DspMSP', 'dsp-mpc');
    const vsp = own('VspMSP', 'vsp-mpc');
    const reported = [...(await planMemberMesh(all, [vsp], options('VspMSP'))).nodes, ...(await planMemberMesh(all, [dsp], options('DspMSP'))).nodes];
    const serves = { daoId: 'd1', version: 1, revision: 1 };
    const mesh = meshFileOf(reported, 'd1-v1-vsp-mpc', serves);
    expect(mesh.index).toBe(1);
    expect(mesh.serves).toEqual(serves);
    expect(mesh.parties.map((p) => p.caCertificatePem)).toEqual([cas.get('DspMSP')!.cert, cas.get('VspMSP')!.cert]);
    expect(mesh.parties.map((p) => p.owner)).toEqual(['DspMSP', 'VspMSP']);
    expect(mesh.parties[1]!.certificatePem).toBe(readFileSync(join(vsp.dir, 'mpc-node.crt'), 'utf8'));
    expect(writeMeshFile(vsp.dir, mesh)).toBe(true);
    expect(writeMeshFile(vsp.dir, mesh)).toBe(false);
    expect(parseMpcMeshFile(readFileSync(join(vsp.dir, MESH_FILE), 'utf8'))).toEqual(mesh);
    expect(statSync(join(vsp.dir, MESH_FILE)).mode & 0o777).toBe(0o600);
    // Planned again for the same revision (a re-apply), the node keeps its mesh; for a later revision (the
    // DSP's node replaced by another), the earlier mesh file goes and the node waits for the new one.
    await planMemberMesh(all, [vsp], options('VspMSP'));
    expect(existsSync(join(vsp.dir, MESH_FILE))).toBe(true);
    await planMemberMesh({ ...spec([['dsp-mpc2', 'DspMSP'], ['vsp-mpc', 'VspMSP']]), revision: 2 }, [vsp], options('VspMSP'));
    expect(existsSync(join(vsp.dir, MESH_FILE))).toBe(false);
    writeMeshFile(vsp.dir, mesh);
    // A file that does not say what it serves (written before it did) goes too.
    writeMeshFile(vsp.dir, { index: mesh.index, parties: mesh.parties });
    await planMemberMesh(all, [vsp], options('VspMSP'));
    expect(existsSync(join(vsp.dir, MESH_FILE))).toBe(false);

    expect(() => meshFileOf(reported.slice(0, 1), 'd1-v1-dsp-mpc', serves)).toThrow(/fewer than two nodes/);
    expect(() => meshFileOf(reported, 'd1-v1-other', serves)).toThrow(/do not include d1-v1-other/);
    const [vspNode, dspNode] = reported as [(typeof reported)[number], (typeof reported)[number]];
    expect(() => meshFileOf([dspNode, { ...vspNode, partyIndex: 3 }], 'd1-v1-dsp-mpc', serves)).toThrow(/party indices 0,3/);
    const operatorRun = { workloadId: 'd1-v1-x', owner: 'XMSP', partyIndex: 1, controlUrl: 'https://127.0.0.1:1' };
    expect(() => meshFileOf([dspNode, operatorRun], 'd1-v1-dsp-mpc', serves)).toThrow(/not run in its member's domain/);
  });

  it("keeps a node a later version takes over: its ports, identity and readings key, its index in the new version's mesh, and a new mesh file", async () => {
    const v1 = spec([['dsp-mpc', 'DspMSP'], ['vsp-mpc', 'VspMSP']]);
    const dsp = own('DspMSP', 'dsp-node');
    const first = await planMemberMesh({ ...v1, spec: { workloads: [{ name: 'dsp-node', owner: 'DspMSP', placement: 'managed', kind: 'mpc-node' }, v1.spec.workloads[1]!] } }, [dsp], options('DspMSP'));
    const readingsKey = readFileSync(join(dsp.dir, 'readings.key'), 'utf8');
    writeMeshFile(dsp.dir, { index: 0, parties: [{ name: 'a', endpoint: first.nodes[0]!.meshEndpoint, certificatePem: first.nodes[0]!.certificatePem, caCertificatePem: first.nodes[0]!.caCertificatePem }, { name: 'b', endpoint: '127.0.0.1:9', certificatePem: first.nodes[0]!.certificatePem, caCertificatePem: first.nodes[0]!.caCertificatePem }], serves: { daoId: 'd1', version: 1, revision: 1 } });
    // Version 2: a joiner's node first in the spec, then the DSP's under another name; the DSP's provisioner runs its version 1 node (same id and folder).
    const v2: DesiredVersion = { ...v1, version: 2, spec: { workloads: [{ name: 'j-mpc', owner: 'JMSP', placement: 'managed', kind: 'mpc-node' }, { name: 'dsp-mpc-2', owner: 'DspMSP', placement: 'managed', kind: 'mpc-node' }, v1.spec.workloads[1]!] } };
    const taken: RenderedWorkload = { ...dsp, config: { ...dsp.config, version: 2, name: 'dsp-mpc-2' } };
    const second = await planMemberMesh(v2, [taken], options('DspMSP'));
    // Same ports; its identity asked for under the same name (the member's CA's issuer reuses one it issued, node-identity.adapter.spec).
    expect(second.nodes).toEqual([{ ...first.nodes[0]!, partyIndex: 1, certificatePem: expect.stringContaining('BEGIN CERTIFICATE') }]);
    expect(issued.slice(-2)).toEqual(['d1-v1-dsp-node', 'd1-v1-dsp-node']);
    expect(second.mesh.get('d1-v1-dsp-node')).toMatchObject({ partyIndex: 1, names: ['d1-v2-j-mpc', 'd1-v1-dsp-node', 'd1-v2-vsp-mpc'] });
    expect(readFileSync(join(dsp.dir, 'readings.key'), 'utf8')).toBe(readingsKey);
    // Version 1's mesh file went: the node waits for version 2's.
    expect(existsSync(join(dsp.dir, MESH_FILE))).toBe(false);
  });
});
