import { createServer } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { createServiceApp, loadServiceConfig } from '@datawell/config';
import { stackConnection, stackEnv } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { MIGRATIONS } from '../../src/migrations';

/** The telemetry app, in-process, against the test stack; `overrides` replace stack variables. */
async function boot(overrides: Record<string, string> = {}): Promise<INestApplication> {
  const config = loadServiceConfig('telemetry', { ...stackEnv(), DATAWELL_LOG_LEVEL: 'warn', ...overrides });
  const app = await createServiceApp(config, AppModule.forConfig);
  await app.init();
  return app;
}

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('telemetry health against the real stack', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await boot();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 200 with every dependency up', async () => {
    const res = await request(app.getHttpServer()).get('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details).toEqual({
      postgres: expect.objectContaining({ status: 'up' }),
      redis: expect.objectContaining({ status: 'up' }),
      kafka: expect.objectContaining({ status: 'up' }),
    });
  });

  it('has created its schema and recorded its migrations', async () => {
    const db = new Client({ connectionString: stackConnection().postgres.url });
    await db.connect();
    try {
      const schemas = await db.query('SELECT schema_name FROM information_schema.schemata WHERE schema_name = $1', [
        'telemetry',
      ]);
      expect(schemas.rowCount).toBe(1);
      const migrations = await db.query('SELECT name FROM "telemetry"."migrations" ORDER BY id');
      expect(migrations.rows.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await db.end();
    }
  });

  it('reports Kafka down, and the rest up, when Kafka is unreachable', async () => {
    const port = await closedPort();
    const broken = await boot({ DATAWELL_KAFKA_BROKERS: `127.0.0.1:${port}` });
    try {
      const res = await request(broken.getHttpServer()).get('/health');
      expect(res.status).toBe(503);
      expect(res.body.error).toEqual({ kafka: expect.objectContaining({ status: 'down' }) });
      expect(Object.keys(res.body.info)).toEqual(['postgres', 'redis']);
    } finally {
      await broken.close();
    }
  });

  it('reports Redis down, and the rest up, when Redis is unreachable', async () => {
    const port = await closedPort();
    const broken = await boot({ DATAWELL_REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      const res = await request(broken.getHttpServer()).get('/health');
      expect(res.status).toBe(503);
      expect(res.body.error).toEqual({ redis: expect.objectContaining({ status: 'down' }) });
      expect(res.body.info).toEqual({
        postgres: { status: 'up' },
        kafka: expect.objectContaining({ status: 'up' }),
      });
    } finally {
      await broken.close();
    }
  });
});
