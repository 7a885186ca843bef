import { inspect } from 'node:util';
import { z } from 'zod';
import type { Dependency, ServiceSpec } from '@datawell/contracts';
import { ConfigError } from './config-error';
import { defineService } from './extension';
import { loadServiceConfig, requiredVariables } from './load-config';

/** Services as the loader sees them: a registry entry and no settings of their own. */
function service<D extends Dependency>(name: string, defaultPort: number, dependencies: readonly D[]) {
  const upper = name.toUpperCase().replace(/-/g, '_');
  const spec: ServiceSpec<D> = {
    name,
    schema: name.replace(/-/g, '_'),
    portVariable: `${upper}_HTTP_PORT`,
    defaultPort,
    grpcPortVariable: `${upper}_GRPC_PORT`,
    defaultGrpcPort: defaultPort + 1000,
    dependencies,
  };
  return defineService(spec);
}
const queued = service('queued', 4103, ['postgres', 'redis', 'kafka']);
const bridged = service('the-bridge', 4102, ['postgres', 'redis', 'kafka']);
const plain = service('plain', 4100, ['postgres', 'kafka']);
const other = service('other', 4101, ['postgres', 'kafka']);

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
    const config = loadServiceConfig(queued, valid);
    expect(config.service).toBe('queued');
    expect(config.http.port).toBe(4103);
    expect(config.logLevel).toBe('log');
    expect(config.postgres).toEqual({ url: valid.DATAWELL_POSTGRES_URL, schema: 'queued' });
    expect(config.redis.url).toBe(valid.DATAWELL_REDIS_URL);
    expect(config.kafka).toEqual({ brokers: ['127.0.0.1:59092', 'kafka-2:9092'], clientId: 'datawell-queued' });
  });

  it('reads the service port and log level', () => {
    const config = loadServiceConfig(bridged, {
      ...valid,
      THE_BRIDGE_HTTP_PORT: '4999',
      DATAWELL_LOG_LEVEL: 'debug',
    });
    expect(config.http.port).toBe(4999);
    expect(config.logLevel).toBe('debug');
    expect(config.postgres.schema).toBe('the_bridge');
  });

  it('does not ask services without queues for Redis', () => {
    const withoutRedis: Record<string, string> = { ...valid };
    delete withoutRedis['DATAWELL_REDIS_URL'];
    const config = loadServiceConfig(plain, withoutRedis);
    expect(config.redis).toBeUndefined();
    expect(requiredVariables(plain.spec.dependencies)).not.toContain('DATAWELL_REDIS_URL');
  });

  it('names every missing variable in one error', () => {
    const error = configError(() => loadServiceConfig(queued, {}));
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      ['DATAWELL_KAFKA_BROKERS', 'DATAWELL_POSTGRES_URL', 'DATAWELL_REDIS_URL'],
    );
    expect(error.message).toBe(
      'invalid configuration for queued: DATAWELL_POSTGRES_URL: is required; ' +
        'DATAWELL_REDIS_URL: is required; DATAWELL_KAFKA_BROKERS: is required',
    );
  });

  it('treats blank values as missing', () => {
    const error = configError(() => loadServiceConfig(plain, { ...valid, DATAWELL_POSTGRES_URL: '  ' }));
    expect(error.issues).toEqual([{ variable: 'DATAWELL_POSTGRES_URL', problem: 'is required' }]);
  });

  it('rejects a malformed URL without echoing it', () => {
    const bad = 'postgres//user:leaked-pw@host/db';
    const error = configError(() => loadServiceConfig(plain, { ...valid, DATAWELL_POSTGRES_URL: bad }));
    expect(error.issues).toEqual([
      { variable: 'DATAWELL_POSTGRES_URL', problem: 'must be a postgres:// or postgresql:// URL with a host' },
    ]);
    expect(error.message).not.toContain('leaked-pw');
  });

  it('rejects a URL of the wrong kind', () => {
    const error = configError(() =>
      loadServiceConfig(queued, { ...valid, DATAWELL_REDIS_URL: 'http://127.0.0.1:6379' }),
    );
    expect(error.issues.map((i) => i.variable)).toEqual(['DATAWELL_REDIS_URL']);
  });

  it.each(['abc', '0', '65536', '80.5', '-1'])('rejects the port %s', (port) => {
    const error = configError(() => loadServiceConfig(other, { ...valid, OTHER_HTTP_PORT: port }));
    expect(error.issues).toEqual([
      { variable: 'OTHER_HTTP_PORT', problem: `must be a port number 1-65535 (got "${port}")` },
    ]);
  });

  it('rejects malformed brokers and names them', () => {
    const error = configError(() =>
      loadServiceConfig(plain, { ...valid, DATAWELL_KAFKA_BROKERS: 'ok:9092,nohost,bad:99999' }),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.variable).toBe('DATAWELL_KAFKA_BROKERS');
    expect(error.issues[0]?.problem).toContain('"nohost", "bad:99999"');
  });

  it('takes a Kafka session timeout within the broker\'s bounds, and none by default', () => {
    expect(loadServiceConfig(plain, valid).kafka.sessionTimeoutMs).toBeUndefined();
    expect(loadServiceConfig(plain, { ...valid, DATAWELL_KAFKA_SESSION_TIMEOUT_MS: ' 6000 ' }).kafka.sessionTimeoutMs).toBe(6000);
    for (const bad of ['5999', '300001', '10s', '-7000']) {
      const error = configError(() => loadServiceConfig(plain, { ...valid, DATAWELL_KAFKA_SESSION_TIMEOUT_MS: bad }));
      expect(error.issues).toEqual([{ variable: 'DATAWELL_KAFKA_SESSION_TIMEOUT_MS', problem: `must be an integer 6000-300000 (milliseconds; got "${bad}")` }]);
    }
  });

  it('rejects an unknown log level', () => {
    const error = configError(() => loadServiceConfig(plain, { ...valid, DATAWELL_LOG_LEVEL: 'loud' }));
    expect(error.issues.map((i) => i.variable)).toEqual(['DATAWELL_LOG_LEVEL']);
    expect(error.message).toContain('"loud"');
  });

  it('reports several problems of different kinds together', () => {
    const error = configError(() =>
      loadServiceConfig(bridged, { DATAWELL_POSTGRES_URL: 'nope', THE_BRIDGE_HTTP_PORT: 'x' }),
    );
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'DATAWELL_KAFKA_BROKERS',
      'DATAWELL_POSTGRES_URL',
      'DATAWELL_REDIS_URL',
      'THE_BRIDGE_HTTP_PORT',
    ]);
  });

  it('never shows passwords when logged', () => {
    const config = loadServiceConfig(queued, valid);
    for (const text of [JSON.stringify(config), String(config), inspect(config, { depth: 5 })]) {
      expect(text).not.toContain('s3cret-pw');
      expect(text).not.toContain('redis-pw');
      expect(text).toContain('127.0.0.1:55432');
    }
    expect(JSON.parse(JSON.stringify(config)).postgres.url).toBe('postgres://datawell:***@127.0.0.1:55432/datawell');
  });

  it('is immutable', () => {
    const config = loadServiceConfig(plain, valid);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('serves on the ports of its registry entry, and lists its dependencies', () => {
    const config = loadServiceConfig(bridged, valid);
    expect(config.http.port).toBe(4102);
    expect(config.grpc.port).toBe(5102);
    expect(config.dependencies).toEqual(['postgres', 'redis', 'kafka']);
  });

  it('builds the own settings of the service from its own variables, validated with the common ones', () => {
    const withSettings = defineService(plain.spec, {
      shape: { PLAIN_NAME: z.string({ error: 'is required' }) },
      issues: (env) => (env['PLAIN_NAME'] === 'taken' ? [{ variable: 'PLAIN_NAME', problem: 'is taken' }] : []),
      build: (values) => ({ name: values['PLAIN_NAME'] as string }),
    });
    expect(loadServiceConfig(withSettings, { ...valid, PLAIN_NAME: 'x' }).settings).toEqual({ name: 'x' });
    expect(configError(() => loadServiceConfig(withSettings, { DATAWELL_KAFKA_BROKERS: 'k:1' })).issues.map((i) => i.variable)).toEqual(['DATAWELL_POSTGRES_URL', 'PLAIN_NAME']);
    expect(configError(() => loadServiceConfig(withSettings, { ...valid, PLAIN_NAME: 'taken' })).issues).toEqual([{ variable: 'PLAIN_NAME', problem: 'is taken' }]);
  });
});
