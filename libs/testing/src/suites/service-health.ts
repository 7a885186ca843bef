import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { stackConnection, stackEnv } from '../connection';
import { freePort } from '@datawell/workload-runtime';

/**
 * What the suite needs from a service. Built by the caller: @datawell/service-platform's own
 * integration tests use this library, so importing it here would make a cycle that module boundaries
 * forbid.
 */
export interface ServiceHealthSuite {
  readonly service: string;
  /**
   * The service's app, not yet initialised, for an environment:
   * `(env) => createServiceApp(loadServiceConfig(<service>Service, env), AppModule.forConfig)`.
   */
  readonly createApp: (env: Record<string, string>) => Promise<INestApplication>;
  /** The service's migrations, in order: the rows its migrations table must hold. */
  readonly migrations: ReadonlyArray<{ readonly name: string }>;
  /** Written out by the caller rather than read from SERVICES, so a wrong entry there fails the suite. */
  readonly expected: {
    readonly schema: string;
    readonly dependencies: ReadonlyArray<'postgres' | 'redis' | 'kafka'>;
  };
}

/**
 * The /health integration tests every service runs against the real stack: 200 with each dependency
 * up, its schema and migrations in PostgreSQL, and 503 naming Kafka (and Redis, for the services that
 * use it) when an instance is pointed at a closed port.
 */
export function describeServiceHealth(suite: ServiceHealthSuite): void {
  const { service, createApp, migrations, expected } = suite;

  /** The app, in-process, against the test stack; `overrides` replace stack variables. */
  async function boot(overrides: Record<string, string> = {}): Promise<INestApplication> {
    // gRPC on any free port: several instances boot at once, and `./dev up` may hold the default one.
    const grpcPort = `${service.toUpperCase().replace(/-/g, '_')}_GRPC_PORT`;
    const app = await createApp({ ...stackEnv(), DATAWELL_LOG_LEVEL: 'warn', [grpcPort]: '0', ...overrides });
    await app.init();
    return app;
  }

  describe(`${service} health against the real stack`, () => {
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
      expect(res.body.details).toEqual(
        Object.fromEntries(expected.dependencies.map((d) => [d, expect.objectContaining({ status: 'up' })])),
      );
    });

    it('serves Prometheus metrics, including the requests it answered', async () => {
      await request(app.getHttpServer()).get('/health');
      const res = await request(app.getHttpServer()).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const counts = res.text.split('\n').filter((line) => line.startsWith('datawell_http_request_duration_seconds_count{'));
      expect(counts.some((line) => line.includes('route="/health"') && line.includes(`service="${service}"`))).toBe(true);
      expect(res.text).toContain('datawell_process_resident_memory_bytes');
    });

    it('serves its OpenAPI document at /docs', async () => {
      const res = await request(app.getHttpServer()).get('/docs/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(res.body.info.title).toBe(`Datawell ${service}`);
      expect(Object.keys(res.body.paths)).toContain('/health');
      const page = await request(app.getHttpServer()).get('/docs');
      expect(page.status).toBe(200);
      expect(page.text).toContain('swagger');
    });

    it('answers malformed JSON, oversize bodies and unknown routes with 4xx and a code', async () => {
      const malformed = await request(app.getHttpServer()).post('/health').set('content-type', 'application/json').send('{"a":');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ code: 'MALFORMED_JSON', message: expect.any(String) });
      const oversize = await request(app.getHttpServer()).post('/health').set('content-type', 'application/json').send(JSON.stringify({ blob: 'x'.repeat(300 * 1024) }));
      expect(oversize.status).toBe(413);
      expect(oversize.body.code).toBe('PAYLOAD_TOO_LARGE');
      const missing = await request(app.getHttpServer()).get('/no-such-route');
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('NOT_FOUND');
    });

    it('has created its schema and recorded its migrations', async () => {
      const db = new Client({ connectionString: stackConnection().postgres.url });
      await db.connect();
      try {
        const schemas = await db.query('SELECT schema_name FROM information_schema.schemata WHERE schema_name = $1', [
          expected.schema,
        ]);
        expect(schemas.rowCount).toBe(1);
        const rows = await db.query(`SELECT name FROM "${expected.schema}"."migrations" ORDER BY id`);
        expect(rows.rows.map((r: { name: string }) => r.name)).toEqual(migrations.map((m) => m.name));
      } finally {
        await db.end();
      }
    });

    it('reports Kafka down, and the rest up, when Kafka is unreachable', async () => {
      const port = await freePort();
      const broken = await boot({ DATAWELL_KAFKA_BROKERS: `127.0.0.1:${port}` });
      try {
        const res = await request(broken.getHttpServer()).get('/health');
        expect(res.status).toBe(503);
        expect(res.body.error).toEqual({ kafka: expect.objectContaining({ status: 'down' }) });
        expect(Object.keys(res.body.info)).toEqual(expected.dependencies.filter((d) => d !== 'kafka'));
      } finally {
        await broken.close();
      }
    });

    if (expected.dependencies.includes('redis')) {
      it('reports Redis down, and the rest up, when Redis is unreachable', async () => {
        const port = await freePort();
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
    }
  });
}
