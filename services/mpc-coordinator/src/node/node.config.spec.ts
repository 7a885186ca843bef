import { loadMpcNodeConfig } from './node.config';

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
    expect(c.index).toBe(1);
    expect(c.endpoints[2]).toEqual({ host: 'node-c', port: 7003 });
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
});
