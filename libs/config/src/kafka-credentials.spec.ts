import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { ServiceSpec } from '@datawell/contracts';
import { ConfigError } from './config-error';
import { defineService } from './extension';
import { KafkaCredentialsError, kafkaCredentials, parseKafkaCredentials, readKafkaCredentialsFile } from './kafka-credentials';
import { loadServiceConfig } from './load-config';

const PASSWORD = 'pw-0123456789abcdef-SECRET';
const valid = JSON.stringify({ mechanism: 'SCRAM-SHA-512', username: 'operator', password: PASSWORD });

describe('Kafka credentials', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kafka-credentials-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (text: string, mode = 0o600): string => {
    const path = join(dir, `p-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
    return path;
  };

  it('parses a principal file into SCRAM-SHA-512 credentials', () => {
    const c = parseKafkaCredentials(valid);
    expect({ mechanism: c.mechanism, username: c.username, password: c.password }).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'operator', password: PASSWORD });
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['another mechanism', JSON.stringify({ mechanism: 'PLAIN', username: 'operator', password: PASSWORD }), /only "SCRAM-SHA-512"/],
    ['no mechanism', JSON.stringify({ username: 'operator', password: PASSWORD }), /mechanism undefined/],
    ['a username with a comma (SCRAM syntax)', JSON.stringify({ mechanism: 'SCRAM-SHA-512', username: 'a,b', password: PASSWORD }), /username/],
    ['an empty username', JSON.stringify({ mechanism: 'SCRAM-SHA-512', username: '', password: PASSWORD }), /username/],
    ['a short password', JSON.stringify({ mechanism: 'SCRAM-SHA-512', username: 'operator', password: 'short' }), /at least 16/],
    ['a numeric password', JSON.stringify({ mechanism: 'SCRAM-SHA-512', username: 'operator', password: 12345678901234567 }), /password/],
  ])('refuses %s, never echoing the password', (_what, text, message) => {
    let error: unknown;
    try {
      parseKafkaCredentials(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KafkaCredentialsError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  it('masks the password in JSON, toString and util.inspect', () => {
    const c = kafkaCredentials('operator', PASSWORD);
    expect(JSON.stringify(c)).not.toContain(PASSWORD);
    expect(String(c)).not.toContain(PASSWORD);
    expect(inspect(c)).not.toContain(PASSWORD);
    expect(inspect({ nested: { c } }, { depth: 5 })).not.toContain(PASSWORD);
    expect(c.password).toBe(PASSWORD);
  });

  it('reads a file of mode 0600 and refuses one that group or others may read', () => {
    expect(readKafkaCredentialsFile(file(valid)).username).toBe('operator');
    expect(() => readKafkaCredentialsFile(file(valid, 0o640))).toThrow(/may be read by other users \(mode 640\)/);
    expect(() => readKafkaCredentialsFile(file(valid, 0o604))).toThrow(/mode 604/);
    expect(() => readKafkaCredentialsFile(join(dir, 'missing.json'))).toThrow(/cannot read .*missing\.json \(ENOENT\)/);
  });

  describe('in a service configuration (DATAWELL_KAFKA_CREDENTIALS_FILE)', () => {
    const spec: ServiceSpec<'postgres' | 'kafka'> = {
      name: 'plain',
      schema: 'plain',
      portVariable: 'PLAIN_HTTP_PORT',
      defaultPort: 4100,
      grpcPortVariable: 'PLAIN_GRPC_PORT',
      defaultGrpcPort: 5100,
      dependencies: ['postgres', 'kafka'],
    };
    const service = defineService(spec);
    const env = { DATAWELL_POSTGRES_URL: 'postgres://u:p@127.0.0.1:5432/d', DATAWELL_KAFKA_BROKERS: '127.0.0.1:9092' };

    it('has no SASL without the variable (a broker without authentication)', () => {
      const config = loadServiceConfig(service, env);
      expect(config.kafka.sasl).toBeUndefined();
      expect(config.kafka.credentialsFile).toBeUndefined();
    });

    it('authenticates with the file, and never shows the password when the config is logged', () => {
      const path = file(valid);
      const config = loadServiceConfig(service, { ...env, DATAWELL_KAFKA_CREDENTIALS_FILE: path });
      expect(config.kafka.sasl?.username).toBe('operator');
      expect(config.kafka.sasl?.password).toBe(PASSWORD);
      expect(config.kafka.credentialsFile).toBe(path);
      expect(JSON.stringify(config)).not.toContain(PASSWORD);
      expect(String(config)).not.toContain(PASSWORD);
      expect(inspect(config, { depth: 10 })).not.toContain(PASSWORD);
      expect((config.toJSON()['kafka'] as { sasl: unknown }).sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'operator', password: '***' });
    });

    it('names the variable and the problem of an unusable file, with the other issues', () => {
      let error: unknown;
      try {
        loadServiceConfig(service, { DATAWELL_KAFKA_BROKERS: '127.0.0.1:9092', DATAWELL_KAFKA_CREDENTIALS_FILE: file(valid, 0o644) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues.map((i) => i.variable);
      expect(issues).toEqual(expect.arrayContaining(['DATAWELL_POSTGRES_URL', 'DATAWELL_KAFKA_CREDENTIALS_FILE']));
      expect((error as Error).message).toMatch(/DATAWELL_KAFKA_CREDENTIALS_FILE: .* may be read by other users/);
    });
  });
});
