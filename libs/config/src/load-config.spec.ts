import { inspect } from 'node:util';
import { ConfigError } from './config-error';
import { loadServiceConfig } from './load-config';
import { requiredVariables, SERVICE_NAMES, SERVICES } from './services';

const valid = {
  DATAWELL_POSTGRES_URL: 'postgres://datawell:s3cret-pw@127.0.0.1:55432/datawell',
  DATAWELL_REDIS_URL: 'redis://:redis-pw@127.0.0.1:56379',
  DATAWELL_KAFKA_BROKERS: '127.0.0.1:59092, kafka-2:9092',
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadServiceConfig', () => {
  it('builds a typed config with defaults from a valid environment', () => {
    const config = loadServiceConfig('provisioner', valid);
    expect(config.service).toBe('provisioner');
    expect(config.http.port).toBe(4103);
    expect(config.logLevel).toBe('log');
    expect(config.postgres).toEqual({ url: valid.DATAWELL_POSTGRES_URL, schema: 'provisioner' });
    expect(config.redis.url).toBe(valid.DATAWELL_REDIS_URL);
    expect(config.kafka).toEqual({ brokers: ['127.0.0.1:59092', 'kafka-2:9092'], clientId: 'datawell-provisioner' });
  });

  it('reads the service port and log level', () => {
    const config = loadServiceConfig('ledger-bridge', {
      ...valid,
      LEDGER_BRIDGE_HTTP_PORT: '4999',
      DATAWELL_LOG_LEVEL: 'debug',
    });
    expect(config.http.port).toBe(4999);
    expect(config.logLevel).toBe('debug');
    expect(config.postgres.schema).toBe('ledger_bridge');
  });

  it('does not ask services without queues for Redis', () => {
    const withoutRedis: Record<string, string> = { ...valid };
    delete withoutRedis['DATAWELL_REDIS_URL'];
    const config = loadServiceConfig('marketplace', withoutRedis);
    expect(config.redis).toBeUndefined();
    expect(requiredVariables('marketplace')).not.toContain('DATAWELL_REDIS_URL');
  });

  it('names every missing variable in one error', () => {
    const error = configError(() => loadServiceConfig('telemetry', {}));
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      ['DATAWELL_KAFKA_BROKERS', 'DATAWELL_POSTGRES_URL', 'DATAWELL_REDIS_URL'],
    );
    expect(error.message).toBe(
      'invalid configuration for telemetry: DATAWELL_POSTGRES_URL: is required; ' +
        'DATAWELL_REDIS_URL: is required; DATAWELL_KAFKA_BROKERS: is required',
    );
  });

  it('treats blank values as missing', () => {
    const error = configError(() => loadServiceConfig('marketplace', { ...valid, DATAWELL_POSTGRES_URL: '  ' }));
    expect(error.issues).toEqual([{ variable: 'DATAWELL_POSTGRES_URL', problem: 'is required' }]);
  });

  it('rejects a malformed URL without echoing it', () => {
    const bad = 'postgres//user:leaked-pw@host/db';
    const error = configError(() => loadServiceConfig('marketplace', { ...valid, DATAWELL_POSTGRES_URL: bad }));
    expect(error.issues).toEqual([
      { variable: 'DATAWELL_POSTGRES_URL', problem: 'must be a postgres:// or postgresql:// URL with a host' },
    ]);
    expect(error.message).not.toContain('leaked-pw');
  });

  it('rejects a URL of the wrong kind', () => {
    const error = configError(() =>
      loadServiceConfig('mpc-coordinator', { ...valid, DATAWELL_REDIS_URL: 'http://127.0.0.1:6379' }),
    );
    expect(error.issues.map((i) => i.variable)).toEqual(['DATAWELL_REDIS_URL']);
  });

  it.each(['abc', '0', '65536', '80.5', '-1'])('rejects the port %s', (port) => {
    const error = configError(() => loadServiceConfig('negotiation', { ...valid, NEGOTIATION_HTTP_PORT: port }));
    expect(error.issues).toEqual([
      { variable: 'NEGOTIATION_HTTP_PORT', problem: `must be a port number 1-65535 (got "${port}")` },
    ]);
  });

  it('rejects malformed brokers and names them', () => {
    const error = configError(() =>
      loadServiceConfig('marketplace', { ...valid, DATAWELL_KAFKA_BROKERS: 'ok:9092,nohost,bad:99999' }),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.variable).toBe('DATAWELL_KAFKA_BROKERS');
    expect(error.issues[0]?.problem).toContain('"nohost", "bad:99999"');
  });

  it('rejects an unknown log level', () => {
    const error = configError(() => loadServiceConfig('marketplace', { ...valid, DATAWELL_LOG_LEVEL: 'loud' }));
    expect(error.issues.map((i) => i.variable)).toEqual(['DATAWELL_LOG_LEVEL']);
    expect(error.message).toContain('"loud"');
  });

  it('reports several problems of different kinds together', () => {
    const error = configError(() =>
      loadServiceConfig('ledger-bridge', { DATAWELL_POSTGRES_URL: 'nope', LEDGER_BRIDGE_HTTP_PORT: 'x' }),
    );
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'DATAWELL_KAFKA_BROKERS',
      'DATAWELL_POSTGRES_URL',
      'DATAWELL_REDIS_URL',
      'LEDGER_BRIDGE_HTTP_PORT',
    ]);
  });

  it('never shows passwords when logged', () => {
    const config = loadServiceConfig('provisioner', valid);
    for (const text of [JSON.stringify(config), String(config), inspect(config, { depth: 5 })]) {
      expect(text).not.toContain('s3cret-pw');
      expect(text).not.toContain('redis-pw');
      expect(text).toContain('127.0.0.1:55432');
    }
    expect(JSON.parse(JSON.stringify(config)).postgres.url).toBe('postgres://datawell:***@127.0.0.1:55432/datawell');
  });

  it('is immutable', () => {
    const config = loadServiceConfig('marketplace', valid);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('gives every service its own schema and port', () => {
    const schemas = SERVICE_NAMES.map((s) => SERVICES[s].schema);
    const ports = SERVICE_NAMES.map((s) => loadServiceConfig(s, valid).http.port);
    expect(new Set(schemas).size).toBe(SERVICE_NAMES.length);
    expect(new Set(ports).size).toBe(SERVICE_NAMES.length);
    expect(ports).toEqual([4100, 4101, 4102, 4103, 4104, 4105]);
  });
});
