import { randomBytes } from 'node:crypto';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuthModule, IdentityDirectory } from '@datawell/auth';
import { loadServiceConfig } from '@datawell/config';
import { resultDigest, tokenSession } from '@datawell/contracts';
import { createServiceApp, ServicePlatformModule } from '@datawell/service-platform';
import { createKeyAndCsr, login, stackConnection, stackEnv, stackKafka, testCertificateAuthority } from '@datawell/testing';
import type { MemberLedger } from '../../src/admin/member-dao';
import { ledgerBridgeService } from '../../src/config';
import { MEMBER_RESULTS, MemberResultsController } from '../../src/member-network/computation-results.controller';
import { ComputationResultsRepository } from '../../src/member-network/computation-results.repository';
import { MEMBER_LEDGER, MemberDaoController } from '../../src/member-network/member-dao.controller';
import { MemberUsageRecordsController } from '../../src/member-network/member-usage.controller';
import { MIGRATIONS } from '../../src/migrations';
import { createTopics } from './harness';

jest.setTimeout(120_000);

/*
 * The member bridge's results routes as its app serves them: the platform's HTTP edge, libs/auth's
 * login and tokens (the member's identity logging in through the token session its MPC node uses),
 * the migrations and the bridge's own PostgreSQL, real. The ledger port is stubbed here (a recorder
 * of ComputationCompleted and RecordUsage submissions that refuses a computation the terms do not
 * name, as the chaincode does, and answers GetUsage with the entries recorded): the submission through a real member's peer is domain-formation.test.ts's, and a
 * real node delivering to a real member bridge is the domains e2e's.
 */
const MEMBER = 'ItResMSP';
const OTHER = 'ItResOtherMSP';
const run = randomBytes(4).toString('hex');
const daoId = `itres${run}`;

describe("a member bridge's results and usage routes (its own database, its own identities)", () => {
  const database = `lb_results_${run}`;
  const directoryTopic = `it.lb-results.directory.${run}`;
  const submitted: string[][] = [];
  const usage: Array<Record<string, unknown>> = [];
  let app: INestApplication;
  let url: string;
  let schema: string;
  const tokens: Record<string, string> = {};
  let member: { key: string; certificatePem: string };

  const admin = async <T>(fn: (db: Client) => Promise<T>): Promise<T> => {
    const db = new Client({ connectionString: stackConnection().postgres.url });
    await db.connect();
    try {
      return await fn(db);
    } finally {
      await db.end();
    }
  };

  const ledger: MemberLedger = {
    mspId: MEMBER,
    evaluate: async (_msp, _channel, _chaincode, fn, args) =>
      fn === 'GetUsage' ? JSON.stringify({ dataset: args[0], entries: usage.filter((u) => (u['dataset'] as { name: string }).name === args[0]) }) : JSON.stringify({ daoId, version: 1 }),
    submit: async (channel, chaincode, fn, args) => {
      submitted.push([channel, chaincode, fn, ...args]);
      if ((JSON.parse(args[0]!) as { computation: string }).computation === 'variance') {
        throw Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { code: 10, details: [{ message: 'chaincode response 500, FORBIDDEN: computation variance is not allowed by the terms of this version' }] });
      }
      const txId = `tx${submitted.length}`;
      if (fn === 'RecordUsage') usage.push({ ...(JSON.parse(args[0]!) as Record<string, unknown>), recordedBy: MEMBER, atMs: 1000, txId });
      return { txId };
    },
    channels: async () => ['marketplace', `dao-${daoId}-v1`],
  };

  beforeAll(async () => {
    await admin((db) => db.query(`CREATE DATABASE ${database}`));
    await createTopics(stackKafka(`lb-it-results-${run}`), [directoryTopic]);
    const pg = new URL(stackConnection().postgres.url);
    pg.pathname = `/${database}`;
    const config = loadServiceConfig(ledgerBridgeService, { ...stackEnv(), DATAWELL_POSTGRES_URL: pg.toString(), DATAWELL_LOG_LEVEL: 'fatal', LEDGER_BRIDGE_CHANNELS: '' });
    schema = config.postgres.schema;
    @Module({})
    class ResultEdges {}
    // The member app's results routes, and its DAO routes declared after them (Express matches in order).
    const edges: DynamicModule = {
      module: ResultEdges,
      imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, sharedTopics: false }), AuthModule.forRoot({ directory: { topic: directoryTopic, groupId: `it.lb-results.${run}` } })],
      controllers: [MemberResultsController, MemberUsageRecordsController, MemberDaoController],
      providers: [
        { provide: MEMBER_LEDGER, useValue: ledger },
        { provide: MEMBER_RESULTS, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new ComputationResultsRepository(ds, config.postgres.schema) },
      ],
    };
    app = await createServiceApp(config, () => edges);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    for (const mspId of [MEMBER, OTHER]) {
      const ca = await testCertificateAuthority(`ca.${mspId}.${run}`);
      await app.get(DataSource).transaction((m) => app.get(IdentityDirectory).upsert(m, { mspId, role: 'VSP', name: mspId, status: 'active', caCertPem: ca.caCertPem }, `it:${mspId}:${run}`));
      const { privateKeyPem, csrPem } = await createKeyAndCsr(`mpc-node-${run}`);
      if (mspId === MEMBER) {
        // The member's MPC node: a workload's identity of the member (Fabric CA's datawell.workload attribute), as its provisioner enrols it.
        member = { key: privateKeyPem, certificatePem: await ca.issue(csrPem, 1, { attributes: { 'datawell.workload': 'mpc-node' } }) };
        const person = await createKeyAndCsr(`analyst-${run}`);
        tokens[mspId] = await login(url, { certificatePem: await ca.issue(person.csrPem), privateKeyPem: person.privateKeyPem });
      } else tokens[mspId] = await login(url, { certificatePem: await ca.issue(csrPem), privateKeyPem });
    }
  });

  afterAll(async () => {
    await app?.close();
    await admin((db) => db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
  });

  const rows = async (): Promise<Array<Record<string, unknown>>> => (await app.get(DataSource).query(`SELECT job_id, result, result_digest, tx_id FROM "${schema}".computation_results ORDER BY job_id`)) as Array<Record<string, unknown>>;
  const result = { mean: 0.1 + 0.2, counts: [3, 1.5e-7] };
  const asked = { requester: { mspId: MEMBER, enrollmentId: 'analyst' }, dataset: { owner: OTHER, name: 'readings' }, parametersDigest: 'ef'.repeat(32), rows: 12, recipients: [MEMBER] };
  const body = { computation: 'mean', members: [OTHER, MEMBER], result, resultDigest: resultDigest(result), ...asked };
  const grantedEntry = (jobId: string) => ({ usageId: jobId, dataset: asked.dataset, requester: asked.requester, computation: 'mean', parametersDigest: asked.parametersDigest, recipients: [MEMBER], outcome: 'granted', rows: 12, resultDigest: resultDigest(result) });
  const path = (jobId: string) => `/daos/${daoId}/versions/1/computations/${jobId}/result`;

  it("takes a result from the member's own identity (the node's token session), records ComputationCompleted once and keeps it; a repeat answers it, another digest is refused", async () => {
    const session = tokenSession({ baseUrl: url, identity: member });
    const first = await session.request('POST', path('job-1'), body);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ daoId, version: 1, jobId: 'job-1', computation: 'mean', members: [OTHER, MEMBER], result, resultDigest: resultDigest(result), txId: 'tx1', recordedAtMs: expect.any(Number) });
    // ComputationCompleted, then the granted request's usage entry as the recipient.
    expect(submitted).toEqual([
      [`dao-${daoId}-v1`, 'dao', 'ComputationCompleted', JSON.stringify({ jobId: 'job-1', computation: 'mean', members: [OTHER, MEMBER], resultDigest: resultDigest(result) })],
      [`dao-${daoId}-v1`, 'dao', 'RecordUsage', JSON.stringify(grantedEntry('job-1'))],
    ]);
    // Kept in the bridge's own PostgreSQL, the digest of what is kept still the result's (jsonb keeps the numbers exactly).
    const kept = await rows();
    expect(kept).toEqual([{ job_id: 'job-1', result, result_digest: resultDigest(result), tx_id: 'tx1' }]);
    expect(resultDigest(kept[0]!['result'])).toBe(resultDigest(result));
    const again = await session.request('POST', path('job-1'), body);
    expect(again).toMatchObject({ status: 200, body: { txId: 'tx1', recordedAtMs: (first.body as { recordedAtMs: number }).recordedAtMs } });
    const other = { mean: 1 };
    expect(await session.request('POST', path('job-1'), { ...body, result: other, resultDigest: resultDigest(other) })).toMatchObject({ status: 409, body: { code: 'RESULT_CONFLICT' } });
    expect(submitted).toHaveLength(2);

    // Read back through the routes by a person of the member (its node, a workload's identity, may not): one result, and the version's list without its values (before the DAO routes' :what).
    const asPerson = (p: string) => request(url).get(p).set({ Authorization: `Bearer ${tokens[MEMBER]}` });
    expect((await session.request('GET', path('job-1'))).status).toBe(403);
    expect(await asPerson(path('job-1'))).toMatchObject({ status: 200, body: { jobId: 'job-1', result, txId: 'tx1' } });
    const list = await asPerson(`/daos/${daoId}/versions/1/computations`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{ daoId, version: 1, jobId: 'job-1', computation: 'mean', members: [OTHER, MEMBER], resultDigest: resultDigest(result), txId: 'tx1', recordedAtMs: expect.any(Number) }]);
    expect(await asPerson(path('job-9'))).toMatchObject({ status: 404, body: { code: 'RESULT_NOT_FOUND' } });
    expect(await session.request('GET', `/daos/${daoId}/versions/1/state`)).toMatchObject({ status: 200, body: { daoId } });
  });

  it('refuses a digest that is not the result\'s, a malformed body, another organisation\'s identity and an unauthenticated caller; a ledger refusal keeps nothing', async () => {
    const session = tokenSession({ baseUrl: url, identity: member });
    const before = submitted.length;
    expect(await session.request('POST', path('job-2'), { ...body, resultDigest: 'ab'.repeat(32) })).toMatchObject({ status: 400, body: { code: 'RESULT_DIGEST_MISMATCH' } });
    expect(await session.request('POST', path('job-2'), { ...body, result: { mean: 'x' } })).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect((await request(url).post(path('job-2')).set({ Authorization: `Bearer ${tokens[OTHER]}` }).send(body)).body).toMatchObject({ code: 'FORBIDDEN' });
    expect((await request(url).get(path('job-1')).set({ Authorization: `Bearer ${tokens[OTHER]}` })).status).toBe(403);
    expect((await request(url).get(`/daos/${daoId}/versions/1/computations`).set({ Authorization: `Bearer ${tokens[OTHER]}` })).status).toBe(403);
    expect((await request(url).get(`/daos/${daoId}/versions/1/computations`)).status).toBe(401);
    expect(await session.request('POST', path('job-2'), { ...body, rows: -1 })).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(submitted).toHaveLength(before);
    expect(await session.request('POST', path('job-3'), { ...body, computation: 'variance' })).toMatchObject({ status: 422, body: { code: 'LEDGER_REJECTED' } });
    expect(submitted).toHaveLength(before + 1);
    expect((await rows()).map((r) => r['job_id'])).toEqual(['job-1']);
  });

  it("records a usage entry its own node reports (POST …/usage) as the member: 201 with the ledger's record, 200 for a repeat, USAGE_CONFLICT for another; for its own identities only", async () => {
    const session = tokenSession({ baseUrl: url, identity: member });
    const refused = { usageId: 'op-refused', dataset: { owner: MEMBER, name: 'mine' }, requester: { mspId: OTHER }, computation: 'mean', parametersDigest: 'ef'.repeat(32), recipients: [MEMBER], outcome: 'refused', check: 'party-refused' };
    const before = submitted.length;
    const first = await session.request('POST', `/daos/${daoId}/versions/1/usage`, refused);
    expect(first).toMatchObject({ status: 201, body: { ...refused, recordedBy: MEMBER, txId: `tx${before + 1}` } });
    expect(submitted.slice(before)).toEqual([[`dao-${daoId}-v1`, 'dao', 'RecordUsage', JSON.stringify(refused)]]);
    expect(await session.request('POST', `/daos/${daoId}/versions/1/usage`, refused)).toMatchObject({ status: 200, body: { txId: `tx${before + 1}` } });
    expect(await session.request('POST', `/daos/${daoId}/versions/1/usage`, { ...refused, check: 'ledger' })).toMatchObject({ status: 409, body: { code: 'USAGE_CONFLICT' } });
    expect(await session.request('POST', `/daos/${daoId}/versions/1/usage`, { ...refused, usageId: 'op-2', check: 'who-knows' })).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(await session.request('POST', `/daos/${daoId}/versions/2/usage`, { ...refused, usageId: 'op-3' })).toMatchObject({ status: 404, body: { code: 'VERSION_NOT_FOUND' } });
    expect((await request(url).post(`/daos/${daoId}/versions/1/usage`).set({ Authorization: `Bearer ${tokens[OTHER]}` }).send({ ...refused, usageId: 'op-4' })).status).toBe(403);
    expect((await request(url).post(`/daos/${daoId}/versions/1/usage`).send({ ...refused, usageId: 'op-5' })).status).toBe(401);
    expect(submitted).toHaveLength(before + 1);
  });
});
