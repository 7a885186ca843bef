import { loadMpcNodeConfig, mascotOptionsOf } from './node.config';

const good = {
  MPC_NODE_INDEX: '1',
  MPC_NODE_NAMES: 'mpc-node-0,mpc-node-1,mpc-node-2',
  MPC_NODE_ENDPOINTS: '127.0.0.1:7001,127.0.0.1:7002,node-c:7003',
  MPC_NODE_TLS_KEY_FILE: '/k',
  MPC_NODE_TLS_CERT_FILE: '/c',
  MPC_NODE_TLS_CA_FILE: '/ca',
  MPC_NODE_JOB: JSON.stringify({ program: 'demo-statistics', rows: 100, owner: 0, recipient: 1 }),
};

describe('MPC node configuration', () => {
  it('parses a complete environment with defaults', () => {
    const c = loadMpcNodeConfig(good);
    expect(c.mesh).toMatchObject({ index: 1, caFile: '/ca' });
    expect('endpoints' in c.mesh && c.mesh.endpoints[2]).toEqual({ host: 'node-c', port: 7003 });
    expect(c.job).toEqual({ program: 'demo-statistics', rows: 100, seed: 7, owner: 0, recipient: 1, fractionalBits: 16 });
    expect(c.listenHost).toBe('127.0.0.1');
  });

  it('lists every problem at once', () => {
    try {
      loadMpcNodeConfig({ ...good, MPC_NODE_INDEX: '7', MPC_NODE_ENDPOINTS: 'x,127.0.0.1:2', MPC_NODE_TLS_CA_FILE: '', MPC_NODE_JOB: '{"program":"other"}' });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
      const vars = (err as { issues: Array<{ variable: string }> }).issues.map((i) => i.variable);
      expect(vars).toEqual(expect.arrayContaining(['MPC_NODE_INDEX', 'MPC_NODE_ENDPOINTS', 'MPC_NODE_TLS_CA_FILE', 'MPC_NODE_JOB']));
    }
  });

  it('serves from a control port when no job is given, with datasets and heartbeats', () => {
    const { MPC_NODE_JOB: _job, ...rest } = good;
    const c = loadMpcNodeConfig({
      ...rest,
      MPC_NODE_CONTROL_PORT: '7100',
      MPC_NODE_DATASETS: JSON.stringify({ readings: { file: '/data/r.csv' }, live: { topic: 'dsp.readings' } }),
      MPC_NODE_KAFKA_BROKERS: '127.0.0.1:9092',
      MPC_NODE_WORKLOAD_ID: 'd1-v1-dsp-mpc',
      MPC_NODE_WORKLOAD_KEY_FILE: '/k.pem',
      MPC_NODE_DAO_ID: 'd1',
      MPC_NODE_DAO_VERSION: '1',
      MPC_NODE_OWNER: 'DspMSP',
    });
    expect(c.job).toBeUndefined();
    expect(c.control).toEqual({ host: '127.0.0.1', port: 7100, caFile: '/ca' });
    expect(c.datasets).toEqual({ readings: { file: '/data/r.csv' }, live: { topic: 'dsp.readings' } });
    expect(c.heartbeat).toMatchObject({ workloadId: 'd1-v1-dsp-mpc', version: 1, owner: 'DspMSP', intervalMs: 5000, topic: 'datawell.infra.telemetry.v1' });
  });

  it('needs a control port without a job, every heartbeat variable once one is given, and brokers for them', () => {
    const { MPC_NODE_JOB: _job, ...rest } = good;
    try {
      loadMpcNodeConfig({ ...rest, MPC_NODE_WORKLOAD_ID: 'w1', MPC_NODE_DATASETS: '{"bad name!":{"file":"x"}}' });
      throw new Error('accepted');
    } catch (err) {
      const vars = (err as { issues: Array<{ variable: string }> }).issues.map((i) => i.variable);
      expect(vars).toEqual(
        expect.arrayContaining(['MPC_NODE_CONTROL_PORT', 'MPC_NODE_WORKLOAD_KEY_FILE', 'MPC_NODE_DAO_ID', 'MPC_NODE_OWNER', 'MPC_NODE_KAFKA_BROKERS', 'MPC_NODE_DATASETS']),
      );
    }
  });

  it("reads the control API's allowed client names, never a party's", () => {
    const { MPC_NODE_JOB: _job, ...rest } = good;
    const c = loadMpcNodeConfig({ ...rest, MPC_NODE_CONTROL_PORT: '7100', MPC_NODE_CONTROL_CLIENT_NAMES: ' mpc-coordinator , ops-coordinator' });
    expect(c.control).toEqual({ host: '127.0.0.1', port: 7100, caFile: '/ca', clientNames: ['mpc-coordinator', 'ops-coordinator'] });
    expect(() => loadMpcNodeConfig({ ...rest, MPC_NODE_CONTROL_PORT: '7100', MPC_NODE_CONTROL_CLIENT_NAMES: 'mpc-node-2' })).toThrow(/MPC_NODE_CONTROL_CLIENT_NAMES/);
  });

  it("takes the control API's CA from MPC_NODE_CONTROL_CA_FILE when given", () => {
    const { MPC_NODE_JOB: _job, ...rest } = good;
    expect(loadMpcNodeConfig({ ...rest, MPC_NODE_CONTROL_PORT: '7100', MPC_NODE_CONTROL_CA_FILE: '/coordinator-ca' }).control).toEqual({ host: '127.0.0.1', port: 7100, caFile: '/coordinator-ca' });
  });

  describe('with a mesh file', () => {
    const fileMode = { MPC_NODE_MESH_FILE: '/w/mesh.json', MPC_NODE_TLS_KEY_FILE: '/k', MPC_NODE_TLS_CERT_FILE: '/c', MPC_NODE_CONTROL_PORT: '7100', MPC_NODE_CONTROL_CA_FILE: '/coordinator-ca' };

    it('serves with the mesh from the file and the control CA it is given', () => {
      const c = loadMpcNodeConfig({ ...fileMode, MPC_NODE_CONTROL_CLIENT_NAMES: 'mpc-coordinator' });
      expect(c.mesh).toEqual({ file: '/w/mesh.json' });
      expect(c.tls).toEqual({ keyFile: '/k', certFile: '/c' });
      expect(c.control).toEqual({ host: '127.0.0.1', port: 7100, caFile: '/coordinator-ca', clientNames: ['mpc-coordinator'] });
    });

    it('refuses the listed mesh variables, a job and a relative path beside it, and needs the control CA', () => {
      try {
        const { MPC_NODE_CONTROL_CA_FILE: _ca, ...noCa } = fileMode;
        loadMpcNodeConfig({ ...noCa, MPC_NODE_MESH_FILE: 'mesh.json', MPC_NODE_INDEX: '0', MPC_NODE_NAMES: 'a,b', MPC_NODE_ENDPOINTS: 'h:1,h:2', MPC_NODE_TLS_CA_FILE: '/ca', MPC_NODE_JOB: good.MPC_NODE_JOB });
        throw new Error('accepted');
      } catch (err) {
        const vars = (err as { issues: Array<{ variable: string }> }).issues.map((i) => i.variable);
        expect(vars.sort()).toEqual(['MPC_NODE_CONTROL_CA_FILE', 'MPC_NODE_ENDPOINTS', 'MPC_NODE_INDEX', 'MPC_NODE_JOB', 'MPC_NODE_MESH_FILE', 'MPC_NODE_NAMES', 'MPC_NODE_TLS_CA_FILE']);
      }
    });
  });

  it('runs KOS unless MPC_NODE_OT_EXTENSION chooses SoftSpoken, and hands the choice and pool size to MASCOT', () => {
    expect(loadMpcNodeConfig(good).otExtension).toEqual({ kind: 'kos' });
    expect(mascotOptionsOf(loadMpcNodeConfig(good))).toEqual({ otExtension: { kind: 'kos' } });
    expect(loadMpcNodeConfig({ ...good, MPC_NODE_OT_EXTENSION: 'kos' }).otExtension).toEqual({ kind: 'kos' });
    expect(loadMpcNodeConfig({ ...good, MPC_NODE_OT_EXTENSION: 'softspoken' }).otExtension).toEqual({ kind: 'softspoken', k: 2 });
    const c = loadMpcNodeConfig({ ...good, MPC_NODE_OT_EXTENSION: ' SoftSpoken:4 ', MPC_NODE_KERNEL_WORKERS: '1' });
    expect(mascotOptionsOf(c)).toEqual({ workers: 1, otExtension: { kind: 'softspoken', k: 4 } });
  });

  it('refuses an OT extension it does not know, listed with the other problems', () => {
    for (const bad of ['iknp', 'softspoken:0', 'softspoken:11', 'softspoken:2.5', 'softspoken:', 'kos:2']) {
      expect(() => loadMpcNodeConfig({ ...good, MPC_NODE_OT_EXTENSION: bad })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/MPC_NODE_OT_EXTENSION/) }));
    }
    try {
      loadMpcNodeConfig({ ...good, MPC_NODE_INDEX: '7', MPC_NODE_OT_EXTENSION: 'ferret' });
      throw new Error('accepted');
    } catch (err) {
      const vars = (err as { issues: Array<{ variable: string }> }).issues.map((i) => i.variable);
      expect(vars).toEqual(expect.arrayContaining(['MPC_NODE_INDEX', 'MPC_NODE_OT_EXTENSION']));
    }
  });
});
