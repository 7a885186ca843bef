import { Module } from '@nestjs/common';
import { defineService, loadServiceConfig } from '@datawell/config';
import { SERVICES } from '@datawell/contracts';
import { bootstrapService, createServiceApp, KEEP_ALIVE_TIMEOUT_MS } from './bootstrap';

@Module({})
class NeverBuilt {}

describe('bootstrapService', () => {
  let stderr: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    stderr = [];
    spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    spy.mockRestore();
    process.exitCode = undefined;
  });

  it('fails fast on a bad environment: exit code 1, one JSON line naming every variable, no app', async () => {
    const factory = jest.fn(() => ({ module: NeverBuilt }));
    const app = await bootstrapService(defineService(SERVICES.provisioner), factory, {
      DATAWELL_POSTGRES_URL: 'postgres://u:hunter2@db',
      PROVISIONER_HTTP_PORT: 'http',
    });
    spy.mockRestore();
    expect(app).toBeUndefined();
    expect(factory).not.toHaveBeenCalled();
    expect(process.exitCode).toBe(1);
    expect(stderr).toHaveLength(1);
    const record = JSON.parse(stderr[0] ?? '');
    expect(record).toMatchObject({ level: 'fatal', service: 'provisioner', code: 'CONFIG_INVALID' });
    expect(record.issues.map((i: { variable: string }) => i.variable).sort()).toEqual([
      'DATAWELL_KAFKA_BROKERS',
      'DATAWELL_REDIS_URL',
      'PROVISIONER_HTTP_PORT',
    ]);
    expect(stderr[0]).not.toContain('hunter2');
  });
});

describe('createServiceApp', () => {
  it('keeps idle connections longer than a pooling client does (a reused connection is not closed under a request)', async () => {
    const config = loadServiceConfig(defineService(SERVICES.provisioner), {
      DATAWELL_POSTGRES_URL: 'postgres://u:p@db:5432/d',
      DATAWELL_REDIS_URL: 'redis://redis:6379',
      DATAWELL_KAFKA_BROKERS: 'kafka:9092',
      DATAWELL_LOG_LEVEL: 'error',
    });
    const app = await createServiceApp(config, () => ({ module: NeverBuilt }));
    try {
      const server = app.getHttpServer() as { keepAliveTimeout: number; headersTimeout: number };
      // Node's fetch pools a connection for 4 s by default: the server must keep it well beyond that.
      expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThanOrEqual(60_000);
      expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
      expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
    } finally {
      await app.close();
    }
  });
});
