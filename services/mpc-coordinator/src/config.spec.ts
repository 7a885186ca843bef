import { ConfigError, loadServiceConfig } from '@datawell/config';
import { mpcCoordinatorService } from './config';

const base = {
  DATAWELL_POSTGRES_URL: 'postgres://u:p@db:5432/d',
  DATAWELL_REDIS_URL: 'redis://redis:6379',
  DATAWELL_KAFKA_BROKERS: 'kafka:9092',
};

describe('mpc-coordinator configuration', () => {
  it('has no node TLS by default', () => {
    expect(loadServiceConfig(mpcCoordinatorService, base).settings.nodeTls).toBeUndefined();
  });

  it('reads the node TLS files', () => {
    const { settings } = loadServiceConfig(mpcCoordinatorService, {
      ...base,
      MPC_COORDINATOR_NODE_TLS_CA_FILE: ' /tls/ca.pem ',
      MPC_COORDINATOR_NODE_TLS_CERT_FILE: '/tls/coordinator.pem',
      MPC_COORDINATOR_NODE_TLS_KEY_FILE: '/tls/coordinator-key.pem',
    });
    expect(settings.nodeTls).toEqual({ caFile: '/tls/ca.pem', certFile: '/tls/coordinator.pem', keyFile: '/tls/coordinator-key.pem' });
  });

  it('names the missing node TLS files when only some are given', () => {
    let error: unknown;
    try {
      loadServiceConfig(mpcCoordinatorService, { ...base, MPC_COORDINATOR_NODE_TLS_CA_FILE: '/tls/ca.pem' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['MPC_COORDINATOR_NODE_TLS_CERT_FILE', 'MPC_COORDINATOR_NODE_TLS_KEY_FILE']);
  });

  it('limits refused requests to 30 per requester and 10 minutes by default, or as set; refuses nonsense', () => {
    expect(loadServiceConfig(mpcCoordinatorService, base).settings.refusals).toEqual({ perWindow: 30, windowSeconds: 600 });
    const { settings } = loadServiceConfig(mpcCoordinatorService, { ...base, MPC_COORDINATOR_REFUSALS_PER_WINDOW: '5', MPC_COORDINATOR_REFUSALS_WINDOW_SECONDS: '60' });
    expect(settings.refusals).toEqual({ perWindow: 5, windowSeconds: 60 });
    let error: unknown;
    try {
      loadServiceConfig(mpcCoordinatorService, { ...base, MPC_COORDINATOR_REFUSALS_PER_WINDOW: '0', MPC_COORDINATOR_REFUSALS_WINDOW_SECONDS: 'soon' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['MPC_COORDINATOR_REFUSALS_PER_WINDOW', 'MPC_COORDINATOR_REFUSALS_WINDOW_SECONDS']);
  });

  it('refuses to start with MPC_COORDINATOR_CUSTODIAL_ORGANISATIONS, whatever its value: one line naming it and saying custody was removed', () => {
    for (const value of ['true', 'false', '']) {
      expect(() => loadServiceConfig(mpcCoordinatorService, { ...base, MPC_COORDINATOR_CUSTODIAL_ORGANISATIONS: value })).toThrow(/^invalid configuration for mpc-coordinator: MPC_COORDINATOR_CUSTODIAL_ORGANISATIONS: custody was removed \(issue #11\)[^\n]*$/);
    }
  });
});
