import { mpcNodeEnvironment, parseMpcNodeEnvironment } from './mpc-node-env';

// The provisioner's workload writes the node's environment and the node reads it: one contract, both directions.
describe('the MPC node environment', () => {
  const workload = {
    workloadId: 'd1-v1-dsp-mpc',
    daoId: 'd1',
    version: 1,
    owner: 'DspMSP',
    keyFile: '/w/key.pem',
    kafkaBrokers: ['127.0.0.1:29092'],
    telemetryTopic: 'datawell.infra.telemetry.v1',
    heartbeatIntervalSeconds: 5,
  };
  const mpc = {
    partyIndex: 1,
    names: ['node-a', 'node-b'],
    endpoints: ['127.0.0.1:7001', '127.0.0.1:7002'],
    controlPort: 7100,
    controlClientNames: ['mpc-coordinator'],
    tls: { certFile: '/w/c', keyFile: '/w/k', caFile: '/w/ca' },
    datasets: { readings: { topic: 'dsp.readings' } },
  };

  it('reads back what a workload writes', () => {
    const parsed = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...workload, mpc }));
    if (!('settings' in parsed)) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.settings).toEqual({
      mesh: {
        index: 1,
        names: ['node-a', 'node-b'],
        endpoints: [
          { host: '127.0.0.1', port: 7001 },
          { host: '127.0.0.1', port: 7002 },
        ],
        caFile: '/w/ca',
      },
      listenHost: '127.0.0.1',
      tls: { certFile: '/w/c', keyFile: '/w/k' },
      control: { host: '127.0.0.1', port: 7100, caFile: '/w/ca', clientNames: ['mpc-coordinator'] },
      datasets: { readings: { topic: 'dsp.readings' } },
      kafkaBrokers: ['127.0.0.1:29092'],
      agreementTimeoutMs: 60_000,
      heartbeat: { workloadId: 'd1-v1-dsp-mpc', keyFile: '/w/key.pem', daoId: 'd1', version: 1, owner: 'DspMSP', intervalMs: 5000, topic: 'datawell.infra.telemetry.v1' },
    });
  });

  it("carries the member domain's traffic key to the node's heartbeats (a telemetry topic under the member's prefix), and none when not given", () => {
    const member = { ...workload, telemetryTopic: 'datawell.member.DspMSP.telemetry.heartbeats.v1', trafficKeyFile: '/d/secrets/traffic.key' };
    const parsed = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...member, mpc }));
    expect('settings' in parsed && parsed.settings.heartbeat).toEqual({ workloadId: 'd1-v1-dsp-mpc', keyFile: '/w/key.pem', daoId: 'd1', version: 1, owner: 'DspMSP', intervalMs: 5000, topic: member.telemetryTopic, trafficKeyFile: '/d/secrets/traffic.key' });
    expect(mpcNodeEnvironment({ ...workload, mpc })).not.toHaveProperty('MPC_NODE_TRAFFIC_KEY_FILE');
  });

  it("reads a topic dataset's readings key and owner (sealed readings), and refuses a half-given one", () => {
    const sealed = { readings: { topic: 'dsp.readings', sealed: { keyFile: '/w/readings.key', owner: 'DspMSP' } }, local: { file: '/d/r.csv' } };
    const parsed = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...workload, mpc: { ...mpc, datasets: sealed } }));
    expect('settings' in parsed && parsed.settings.datasets).toEqual(sealed);
    const half = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...workload, mpc: { ...mpc, datasets: { readings: { topic: 'dsp.readings', sealed: { keyFile: '/w/readings.key' } } } } }));
    expect('issues' in half && half.issues).toEqual([{ variable: 'MPC_NODE_DATASETS', problem: `dataset 'readings': sealed needs {"keyFile": path, "owner": MSP id}` }]);
  });

  it('names every bad variable instead of failing on the first', () => {
    const env = { ...mpcNodeEnvironment({ ...workload, mpc }), MPC_NODE_INDEX: '9', MPC_NODE_OWNER: 'nobody' };
    const parsed = parseMpcNodeEnvironment(env);
    expect('issues' in parsed && parsed.issues.map((i) => i.variable)).toEqual(['MPC_NODE_INDEX', 'MPC_NODE_OWNER']);
  });

  it("carries the kernel workers the provisioner gives a node sharing a machine, and refuses a bad count", () => {
    const parsed = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...workload, mpc: { ...mpc, kernelWorkers: 1 } }));
    expect('settings' in parsed && parsed.settings.kernelWorkers).toBe(1);
    const unset = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...workload, mpc }));
    expect('settings' in unset && unset.settings.kernelWorkers).toBeUndefined();
    for (const bad of ['-1', '65', 'two', '1.5']) {
      const refused = parseMpcNodeEnvironment({ ...mpcNodeEnvironment({ ...workload, mpc }), MPC_NODE_KERNEL_WORKERS: bad });
      expect('issues' in refused && refused.issues).toEqual([{ variable: 'MPC_NODE_KERNEL_WORKERS', problem: 'must be an integer 0–64' }]);
    }
  });

  it('reads how long a node waits for the agreement round (MPC_NODE_AGREEMENT_TIMEOUT_MS), and refuses a bad one', () => {
    const given = parseMpcNodeEnvironment({ ...mpcNodeEnvironment({ ...workload, mpc }), MPC_NODE_AGREEMENT_TIMEOUT_MS: '5000' });
    expect('settings' in given && given.settings.agreementTimeoutMs).toBe(5000);
    for (const bad of ['999', '600001', '5s', '-1000', '1500.5']) {
      const refused = parseMpcNodeEnvironment({ ...mpcNodeEnvironment({ ...workload, mpc }), MPC_NODE_AGREEMENT_TIMEOUT_MS: bad });
      expect('issues' in refused && refused.issues).toEqual([{ variable: 'MPC_NODE_AGREEMENT_TIMEOUT_MS', problem: 'must be an integer 1000–600000 (milliseconds)' }]);
    }
  });

  it('passes the mesh\'s OT extension to the node (MPC_NODE_OT_EXTENSION, read by the node program), and leaves it unset without one', () => {
    expect(mpcNodeEnvironment({ ...workload, mpc: { ...mpc, otExtension: 'softspoken:4' } })['MPC_NODE_OT_EXTENSION']).toBe('softspoken:4');
    expect(mpcNodeEnvironment({ ...workload, mpc })).not.toHaveProperty('MPC_NODE_OT_EXTENSION');
  });

  it("writes a member's node with a mesh file: the file and the control CA, no listed mesh, and reads it back", () => {
    const { endpoints: _e, tls, ...rest } = mpc;
    const member = { ...rest, meshFile: '/w/mesh.json', controlCaFile: '/w/coordinator-ca.pem', tls: { certFile: tls.certFile, keyFile: tls.keyFile } };
    const env = mpcNodeEnvironment({ ...workload, mpc: member });
    expect(env).toMatchObject({ MPC_NODE_MESH_FILE: '/w/mesh.json', MPC_NODE_CONTROL_CA_FILE: '/w/coordinator-ca.pem', MPC_NODE_TLS_CERT_FILE: '/w/c', MPC_NODE_TLS_KEY_FILE: '/w/k' });
    for (const v of ['MPC_NODE_INDEX', 'MPC_NODE_NAMES', 'MPC_NODE_ENDPOINTS', 'MPC_NODE_TLS_CA_FILE']) expect(env).not.toHaveProperty(v);
    const parsed = parseMpcNodeEnvironment(env);
    if (!('settings' in parsed)) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.settings.mesh).toEqual({ file: '/w/mesh.json' });
    expect(parsed.settings.control).toEqual({ host: '127.0.0.1', port: 7100, caFile: '/w/coordinator-ca.pem', clientNames: ['mpc-coordinator'] });
  });

  it('writes a listed mesh\'s own control CA when given, and defaults it to the mesh CA otherwise', () => {
    expect(mpcNodeEnvironment({ ...workload, mpc })).not.toHaveProperty('MPC_NODE_CONTROL_CA_FILE');
    const parsed = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...workload, mpc: { ...mpc, controlCaFile: '/w/coordinator-ca.pem' } }));
    expect('settings' in parsed && parsed.settings.control?.caFile).toBe('/w/coordinator-ca.pem');
  });

  it('refuses a mesh file beside a listed mesh, and a mesh file without a control CA', () => {
    const both = parseMpcNodeEnvironment({ ...mpcNodeEnvironment({ ...workload, mpc }), MPC_NODE_MESH_FILE: '/w/mesh.json' });
    expect('issues' in both && both.issues.map((i) => i.variable)).toEqual(['MPC_NODE_INDEX', 'MPC_NODE_NAMES', 'MPC_NODE_ENDPOINTS', 'MPC_NODE_TLS_CA_FILE', 'MPC_NODE_CONTROL_CA_FILE']);
    const { MPC_NODE_INDEX: _i, MPC_NODE_NAMES: _n, MPC_NODE_ENDPOINTS: _e, MPC_NODE_TLS_CA_FILE: _c, ...listedless } = mpcNodeEnvironment({ ...workload, mpc });
    const noCa = parseMpcNodeEnvironment({ ...listedless, MPC_NODE_MESH_FILE: '/w/mesh.json' });
    expect('issues' in noCa && noCa.issues).toEqual([{ variable: 'MPC_NODE_CONTROL_CA_FILE', problem: 'is required with MPC_NODE_MESH_FILE' }]);
  });

  it("carries a member node's own ledger bridge (MPC_NODE_LEDGER_URL), mesh-file mode only, and refuses a bad one", () => {
    const { endpoints: _e, tls, ...rest } = mpc;
    const member = { ...rest, meshFile: '/w/mesh.json', controlCaFile: '/w/coordinator-ca.pem', tls: { certFile: tls.certFile, keyFile: tls.keyFile } };
    const env = mpcNodeEnvironment({ ...workload, mpc: { ...member, ledgerUrl: 'http://127.0.0.1:3100/' } });
    expect(env['MPC_NODE_LEDGER_URL']).toBe('http://127.0.0.1:3100/');
    const parsed = parseMpcNodeEnvironment(env);
    expect('settings' in parsed && parsed.settings.ledgerUrl).toBe('http://127.0.0.1:3100');
    expect(mpcNodeEnvironment({ ...workload, mpc: member })).not.toHaveProperty('MPC_NODE_LEDGER_URL');
    const without = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...workload, mpc: member }));
    expect('settings' in without && without.settings).not.toHaveProperty('ledgerUrl');
    const withPath = parseMpcNodeEnvironment({ ...env, MPC_NODE_LEDGER_URL: 'https://bridge.dsp.example/api/' });
    expect('settings' in withPath && withPath.settings.ledgerUrl).toBe('https://bridge.dsp.example/api');
    for (const bad of ['bridge:3100', 'ftp://bridge/', 'http://user:pw@bridge/', 'http://bridge/?x=1', 'http://bridge/#x']) {
      const refused = parseMpcNodeEnvironment({ ...env, MPC_NODE_LEDGER_URL: bad });
      expect('issues' in refused && refused.issues.map((i) => i.variable)).toEqual(['MPC_NODE_LEDGER_URL']);
    }
    // A listed mesh names no party's member: the check could not map party indices to members.
    const listed = parseMpcNodeEnvironment({ ...mpcNodeEnvironment({ ...workload, mpc }), MPC_NODE_LEDGER_URL: 'http://127.0.0.1:3100' });
    expect('issues' in listed && listed.issues).toEqual([{ variable: 'MPC_NODE_LEDGER_URL', problem: "must not be set without MPC_NODE_MESH_FILE (only a mesh file names each party's member)" }]);
  });

  it("registers a member's node at the coordinator (MPC_NODE_COORDINATOR_URL, MPC_NODE_CONTROL_URL): mesh-file mode only, with the DAO version, and refuses bad ones", () => {
    const { endpoints: _e, tls, ...rest } = mpc;
    const member = { ...rest, meshFile: '/w/mesh.json', controlCaFile: '/w/coordinator-ca.pem', tls: { certFile: tls.certFile, keyFile: tls.keyFile } };
    const env = mpcNodeEnvironment({ ...workload, mpc: { ...member, coordinatorUrl: 'https://coordinator.example:3105/', controlUrl: 'https://node.dsp.example:7100' } });
    expect(env).toMatchObject({ MPC_NODE_COORDINATOR_URL: 'https://coordinator.example:3105/', MPC_NODE_CONTROL_URL: 'https://node.dsp.example:7100' });
    const parsed = parseMpcNodeEnvironment(env);
    if (!('settings' in parsed)) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.settings.coordinator).toEqual({ url: 'https://coordinator.example:3105', controlUrl: 'https://node.dsp.example:7100', daoId: 'd1', version: 1 });
    // The control URL defaults to the control host and port.
    const { MPC_NODE_CONTROL_URL: _c, ...byDefault } = env;
    const defaulted = parseMpcNodeEnvironment({ ...byDefault, MPC_NODE_CONTROL_HOST: '10.0.0.7' });
    expect('settings' in defaulted && defaulted.settings.coordinator?.controlUrl).toBe('https://10.0.0.7:7100');
    // Without the coordinator: no registration, and nothing else changes.
    const without = parseMpcNodeEnvironment(mpcNodeEnvironment({ ...workload, mpc: member }));
    expect('settings' in without && without.settings).not.toHaveProperty('coordinator');
    expect(mpcNodeEnvironment({ ...workload, mpc: member })).not.toHaveProperty('MPC_NODE_COORDINATOR_URL');
    for (const bad of ['coordinator:3105', 'ftp://c/', 'http://u:p@c/', 'http://c/?x', 'http://c/#x']) {
      const refused = parseMpcNodeEnvironment({ ...env, MPC_NODE_COORDINATOR_URL: bad });
      expect('issues' in refused && refused.issues.map((i) => i.variable)).toEqual(['MPC_NODE_COORDINATOR_URL']);
    }
    for (const bad of ['http://node:7100', 'node:7100', 'https://u:p@node:7100', 'https://node:7100/?x']) {
      const refused = parseMpcNodeEnvironment({ ...env, MPC_NODE_CONTROL_URL: bad });
      expect('issues' in refused && refused.issues).toEqual([{ variable: 'MPC_NODE_CONTROL_URL', problem: 'must be an https URL without credentials, query or fragment' }]);
    }
    // The version it registers for is the heartbeat's: required.
    const { MPC_NODE_WORKLOAD_ID: _w, MPC_NODE_WORKLOAD_KEY_FILE: _k, MPC_NODE_DAO_ID: _d, MPC_NODE_DAO_VERSION: _v, MPC_NODE_OWNER: _o, ...noHeartbeat } = env;
    const noVersion = parseMpcNodeEnvironment(noHeartbeat);
    expect('issues' in noVersion && noVersion.issues.map((i) => i.variable)).toEqual(['MPC_NODE_DAO_ID', 'MPC_NODE_DAO_VERSION']);
    const listed = parseMpcNodeEnvironment({ ...mpcNodeEnvironment({ ...workload, mpc }), MPC_NODE_COORDINATOR_URL: 'https://coordinator.example' });
    expect('issues' in listed && listed.issues).toEqual([{ variable: 'MPC_NODE_COORDINATOR_URL', problem: "must not be set without MPC_NODE_MESH_FILE (only a mesh file names each party's member)" }]);
  });
});
