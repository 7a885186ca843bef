import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mpcNodeEnvironment, type WorkloadConfig } from '@datawell/contracts';
import { createMpcCa, parseOtExtensionChoice } from '@datawell/mpc';
import { planMesh } from './mpc-mesh.adapter';
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
