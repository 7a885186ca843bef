import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { GrpcServer } from '@datawell/service-platform';
import { stackConnection } from '@datawell/testing';
import { RedisRefusalLimit } from '../../src/computations/refusal-limit';
import { MARKETPLACE_CHANNEL } from '@datawell/contracts';
import { coordinatorClient, grpcRequestOf, hex, kafkaClient, publishLedgerEvent, startCoordinator, waitFor, type Member } from './harness';

jest.setTimeout(180_000);

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * The limit on refused computation requests on the real Redis: rate-limiter-flexible's window per
 * requester, shared by the coordinators of one queue; then the coordinator app itself with a limit of
 * two refusals per requester: the third refused request is answered 429 TOO_MANY_REFUSALS with
 * Retry-After over HTTP (RESOURCE_EXHAUSTED with the code and retry-after in the trailing metadata
 * over gRPC). On a DAO of domains (known from the public directory)
 * the coordinator records none of them: it signs nothing as the data owner, whose own node records
 * what it refuses.
 */
describe('the limit on refused computation requests', () => {
  const run = hex();

  describe('in Redis', () => {
    const redis = new Redis(stackConnection().redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    beforeAll(() => redis.connect());
    afterAll(async () => {
      const keys = await redis.keys(`it-refusals-${run}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('lets a requester through its window, then throttles it until the window ends; another requester is not affected', async () => {
      const registry = new Registry();
      const one = new RedisRefusalLimit(redis, `it-refusals-${run}`, { perWindow: 3, windowSeconds: 300 }, quiet, registry);
      // A second coordinator of the same queue counts in the same window.
      const two = new RedisRefusalLimit(redis, `it-refusals-${run}`, { perWindow: 3, windowSeconds: 300 }, quiet);
      expect(await one.take('VspMSP')).toEqual({ allowed: true });
      expect(await two.take('VspMSP')).toEqual({ allowed: true });
      expect(await one.take('VspMSP')).toEqual({ allowed: true });
      const throttled = await two.take('VspMSP');
      expect(throttled).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
      expect((throttled as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect((throttled as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(300);
      expect(await one.take('VspMSP')).toMatchObject({ allowed: false });
      expect(await one.take('OtherMSP')).toEqual({ allowed: true });
      // The window is a key with its expiry in Redis, not a counter in a process.
      const ttl = await redis.pttl(`it-refusals-${run}:refusals:VspMSP`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300_000);
      expect(await registry.getSingleMetricAsString('datawell_mpc_refusals_throttled_total')).toMatch(/datawell_mpc_refusals_throttled_total\{[^}]*requester="VspMSP"[^}]*\} 1/);
      // Another namespace (another queue's coordinators) has its own windows.
      expect(await new RedisRefusalLimit(redis, `it-refusals-${run}-other`, { perWindow: 3, windowSeconds: 300 }, quiet).take('VspMSP')).toEqual({ allowed: true });
    });
  });

  describe('in the coordinator', () => {
    const daoId = `mpclimit${run}`;
    const kafka = kafkaClient();
    let coordinator: Awaited<ReturnType<typeof startCoordinator>>;
    let dsp: Member, vsp: Member;
    let client: ReturnType<typeof coordinatorClient>;
    /** The mean of the DSP's readings to the VSP (or as `extra` says) under a fresh request id, signed by `by` (the VSP unless told). */
    const body = (extra: Record<string, unknown> = {}, by: Member = vsp) =>
      by.sign({ daoId, version: 1, computation: 'mean', parameters: { columns: ['temperature'] }, dataset: { name: 'readings', owner: dsp.mspId }, recipients: [vsp.mspId], requestId: `rl-${hex()}`, ...extra });
    /** RecordUsage commands of refused requests by `requester` in the coordinator's outbox. */
    const recorded = async (requester: string): Promise<number> => {
      const rows = (await coordinator.app.get(DataSource).query(`SELECT payload::text AS payload FROM mpc_coordinator.outbox WHERE id LIKE 'mpc-coordinator:record-usage:%' AND payload::text LIKE $1`, [`%${requester}%`])) as Array<{ payload: string }>;
      return rows
        .map((r) => JSON.parse((JSON.parse(r.payload) as { data: { arguments: string[] } }).data.arguments[0]!) as { outcome: string; requester: { mspId: string } })
        .filter((entry) => entry.outcome === 'refused' && entry.requester.mspId === requester).length;
    };

    beforeAll(async () => {
      coordinator = await startCoordinator(run, { MPC_COORDINATOR_REFUSALS_PER_WINDOW: '2', MPC_COORDINATOR_REFUSALS_WINDOW_SECONDS: '600' });
      dsp = await coordinator.member('DSP', 'Dsp');
      vsp = await coordinator.member('VSP', 'Vsp');
      client = coordinatorClient(coordinator.app.get(GrpcServer).port);
      // A DAO of domains, known from the public directory: the coordinator refuses what it can check
      // without the private terms, and records nothing.
      const entry = { daoId, name: daoId, summary: 'a DAO of domains', version: 1, channel: 'marketplace', members: [dsp.mspId, vsp.mspId], status: 'active', publishedBy: dsp.mspId, updatedAtMs: Date.now(), created: true };
      await publishLedgerEvent(kafka, MARKETPLACE_CHANNEL, 'DaoPublished', entry, coordinator.eventsTopic);
      await waitFor('the public version in the read model', async () => {
        const res = await request(coordinator.app.getHttpServer()).get(`/daos/${daoId}/versions/1/nodes`).set({ Authorization: `Bearer ${vsp.token}` });
        return res.status === 200 ? true : undefined;
      });
    });

    afterAll(async () => {
      client?.close();
      await coordinator?.close();
    });

    it('refuses two requests of a requester, then answers 429 TOO_MANY_REFUSALS with Retry-After; records none (it signs as no member)', async () => {
      const http = () => request(coordinator.app.getHttpServer()).post('/computations').set({ Authorization: `Bearer ${vsp.token}` });
      // A program not in the catalogue, and a recipient who is not a member.
      await http().send(body({ computation: 'median' })).expect(400);
      await http().send(body({ recipients: [`Nobody${run}MSP`] })).expect(403);
      const limited = await http().send(body({ computation: 'median' })).expect(429);
      expect(limited.body).toEqual({ code: 'TOO_MANY_REFUSALS', message: expect.stringMatching(new RegExp(`^${vsp.mspId} has sent too many refused computation requests`)) });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(600);

      // Over gRPC: the same limit, RESOURCE_EXHAUSTED with the stable code and the retry time.
      const median = body({ computation: 'median' });
      const message = grpcRequestOf(daoId, 1, median);
      const error = (await client.call('RequestComputation', message, vsp.token).catch((e: unknown) => e)) as grpc.ServiceError;
      expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(error.metadata.get('datawell-code')).toEqual(['TOO_MANY_REFUSALS']);
      expect(Number(error.metadata.get('retry-after')[0])).toBeGreaterThanOrEqual(1);

      // A granted request still goes through; the data owner's own refusals have their own window.
      const granted = await http().send(body()).expect(202);
      expect(granted.body).toMatchObject({ requester: vsp.mspId });
      await request(coordinator.app.getHttpServer()).post('/computations').set({ Authorization: `Bearer ${dsp.token}` }).send(body({ computation: 'median' }, dsp)).expect(400);
      // Nothing in the data owner's trail from the coordinator: the owner's own node records what it refuses.
      expect(await recorded(vsp.mspId)).toBe(0);
      expect((await request(coordinator.app.getHttpServer()).get('/metrics')).text).toMatch(new RegExp(`datawell_mpc_refusals_throttled_total\\{[^}]*requester="${vsp.mspId}"[^}]*\\} 2`));
    });
  });
});
