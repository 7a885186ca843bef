import { DESIRED } from './fixtures.spec-helper';
import { partOf } from './spec';
import { renderTofuConfiguration, type RenderContext } from './tofu-config';

const CONTEXT: RenderContext = {
  workloadsRoot: '/work/prov/workloads',
  repoDir: '/repo',
  nodeBinary: '/usr/bin/node',
  launcher: ['-r', '@swc-node/register', '/repo/workloads/supervisor/src/launch.main.ts'],
  kafkaBrokers: ['127.0.0.1:29092'],
  telemetryTopic: 'datawell.infra.telemetry.v1',
  backendSchema: 'provisioner_tofu',
};

type Doc = {
  terraform: { backend: { pg: { schema_name: string } } };
  locals: { workloads: Record<string, { start: string; stop: string; owner: string; dir: string; digest: string }> };
  resource: { terraform_data: { workload: { for_each: string; triggers_replace: string; provisioner: Array<Record<string, { when?: string; command: string }>> } } };
};

describe('renderTofuConfiguration', () => {
  it('renders one terraform_data instance per managed workload, in the pg backend, with start and stop provisioners', () => {
    const r = renderTofuConfiguration(DESIRED, CONTEXT);
    const doc = r.document as unknown as Doc;
    expect(r.workspace).toBe('dao-d1-v1');
    expect(doc.terraform.backend.pg.schema_name).toBe('provisioner_tofu');
    expect(Object.keys(doc.locals.workloads)).toEqual(['d1-v1-dsp-mpc', 'd1-v1-vsp1-mpc']); // not the self-hosted one
    const w = doc.locals.workloads['d1-v1-vsp1-mpc']!;
    expect(w).toMatchObject({ owner: 'Vsp1MSP', dir: '/work/prov/workloads/d1-v1-vsp1-mpc' });
    expect(w.start).toBe(`'/usr/bin/node' '-r' '@swc-node/register' '/repo/workloads/supervisor/src/launch.main.ts' 'start' '/work/prov/workloads/d1-v1-vsp1-mpc'`);
    // The version's stop leaves alone a node a later version took over (the launcher compares the folder's config).
    expect(w.stop).toBe(`'/usr/bin/node' '-r' '@swc-node/register' '/repo/workloads/supervisor/src/launch.main.ts' 'stop' '/work/prov/workloads/d1-v1-vsp1-mpc' '1'`);
    const resource = doc.resource.terraform_data.workload;
    expect(resource.for_each).toBe('${local.workloads}');
    expect(resource.triggers_replace).toBe('${each.value.digest}');
    expect(resource.provisioner).toEqual([
      { 'local-exec': { command: '${self.input.start}', working_dir: '${self.input.cwd}' } },
      { 'local-exec': { when: 'destroy', command: '${self.input.stop}', working_dir: '${self.input.cwd}' } },
    ]);
    expect(r.workloads[0]!.config).toMatchObject({ workloadId: 'd1-v1-dsp-mpc', heartbeatIntervalSeconds: 5, keyFile: '/work/prov/workloads/d1-v1-dsp-mpc/key.pem', parameters: { memoryMb: 256 } });
    expect(JSON.parse(JSON.stringify(r.document))).toEqual(r.document); // plain JSON: *.tf.json
  });

  it('is deterministic and changes a workload digest only when its config changes', () => {
    const a = renderTofuConfiguration(DESIRED, CONTEXT);
    expect(renderTofuConfiguration(DESIRED, CONTEXT).document).toEqual(a.document);
    const b = renderTofuConfiguration({ ...DESIRED, heartbeatIntervalSeconds: 9 }, CONTEXT);
    expect(b.workloads[0]!.digest).not.toBe(a.workloads[0]!.digest);
  });

  it("drops a removed member's workloads and keeps the resource block (its destroy provisioner) when none is left", () => {
    const removed = renderTofuConfiguration({ ...DESIRED, removedMembers: ['Vsp1MSP'] }, CONTEXT);
    expect(removed.workloads.map((w) => w.config.workloadId)).toEqual(['d1-v1-dsp-mpc']);
    const dissolved = renderTofuConfiguration({ ...DESIRED, dissolved: true }, CONTEXT).document as unknown as Doc;
    expect(dissolved.locals.workloads).toEqual({});
    expect(dissolved.resource.terraform_data.workload.provisioner).toHaveLength(2);
  });

  it('refuses paths that OpenTofu would read as templates, and bad workload ids', () => {
    expect(() => renderTofuConfiguration(DESIRED, { ...CONTEXT, workloadsRoot: '/x/${path.root}' })).toThrow(/template/);
    const long = { ...DESIRED, spec: { workloads: [{ name: 'x'.repeat(127), owner: 'DspMSP', placement: 'managed' as const, kind: 'k' }] } };
    expect(() => renderTofuConfiguration(long, CONTEXT)).toThrow(/INVALID_WORKLOAD_ID|is not 1-128/);
  });

  it("puts a mesh node's MPC settings in its config, so a changed mesh restarts the node", () => {
    const plain = renderTofuConfiguration(DESIRED, CONTEXT);
    const id = plain.workloads[0]!.config.workloadId;
    const node = {
      partyIndex: 0,
      names: [id, 'other'],
      endpoints: ['127.0.0.1:1001', '127.0.0.1:1002'],
      controlPort: 2001,
      controlClientNames: ['mpc-coordinator'],
      tls: { certFile: '/w/c', keyFile: '/w/k', caFile: '/w/ca' },
    };
    const meshed = renderTofuConfiguration(DESIRED, CONTEXT, new Map([[id, node]]));
    expect(meshed.workloads[0]!.config.mpc).toEqual(node);
    expect(meshed.workloads[0]!.digest).not.toBe(plain.workloads[0]!.digest);
    expect(meshed.workloads[1]!.digest).toBe(plain.workloads[1]!.digest);
    const moved = renderTofuConfiguration(DESIRED, CONTEXT, new Map([[id, { ...node, endpoints: ['127.0.0.1:1001', '127.0.0.1:1003'] }]]));
    expect(moved.workloads[0]!.digest).not.toBe(meshed.workloads[0]!.digest);
  });

  it("runs a member's MPC node shared with other versions under its id and folder, and none a later version took over (member mode)", () => {
    const v2 = partOf({ ...DESIRED, version: 2 }, 'Vsp1MSP');
    const taken = renderTofuConfiguration(v2, CONTEXT, new Map(), { ids: new Map([['vsp1-mpc', 'd1-v1-vsp1-mpc']]), handedOver: new Set() });
    expect(taken.workspace).toBe('dao-d1-v2');
    expect(taken.workloads.map((w) => [w.config.workloadId, w.config.version, w.dir])).toEqual([['d1-v1-vsp1-mpc', 2, '/work/prov/workloads/d1-v1-vsp1-mpc']]);
    expect((taken.document as unknown as Doc).locals.workloads['d1-v1-vsp1-mpc']!.stop).toMatch(/'stop' '\/work\/prov\/workloads\/d1-v1-vsp1-mpc' '2'$/);
    const handedOver = renderTofuConfiguration(partOf(DESIRED, 'Vsp1MSP'), CONTEXT, new Map(), { ids: new Map(), handedOver: new Set(['vsp1-mpc']) });
    expect(handedOver.workloads).toEqual([]);
    expect((handedOver.document as unknown as Doc).locals.workloads).toEqual({});
  });

  it("renders a member's part only, with its domain's topic and traffic key file handed to the workloads (member mode)", () => {
    const member = { ...CONTEXT, telemetryTopic: 'datawell.member.Vsp1MSP.telemetry.heartbeats.v1', trafficKeyFile: '/domains/Vsp1MSP/secrets/traffic.key' };
    const r = renderTofuConfiguration(partOf(DESIRED, 'Vsp1MSP'), member);
    expect(r.workloads.map((w) => w.config.workloadId)).toEqual(['d1-v1-vsp1-mpc']);
    expect(r.workloads[0]!.config).toMatchObject({ owner: 'Vsp1MSP', telemetryTopic: member.telemetryTopic, trafficKeyFile: member.trafficKeyFile });
    expect(renderTofuConfiguration(DESIRED, CONTEXT).workloads[0]!.config).not.toHaveProperty('trafficKeyFile');
  });
});
