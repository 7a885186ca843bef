import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { peer as peerProtos } from '@hyperledger/fabric-protos';
import request from 'supertest';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuthModule, IdentityDirectory } from '@datawell/auth';
import { loadServiceConfig } from '@datawell/config';
import { DAO, usageEntrySchema, type UsageEntryInput } from '@datawell/contracts';
import type { GatewayConnection } from '@datawell/fabric';
import { createServiceApp, GrpcServer, ServicePlatformModule } from '@datawell/service-platform';
import { readMspPackage } from '@datawell/stack';
import { agreementFor, evaluate, eventOf, failure, integrationPool, login, stackEnv, stackKafka, submit, testStackContext } from '@datawell/testing';
import type { MemberLedger } from '../../src/admin/member-dao';
import { ledgerBridgeService } from '../../src/config';
import { LEDGER_BRIDGE_GRPC, LEDGER_BRIDGE_PROTO, LedgerBridgeGrpc } from '../../src/grpc/ledger-bridge.grpc';
import { MEMBER_LEDGER } from '../../src/member-network/member-dao.controller';
import { MemberUsageController } from '../../src/member-network/member-usage.controller';
import { MIGRATIONS } from '../../src/migrations';
import { createTopics, formDomainDao, hex, memberPostgresUrl, withTerms, type DomainDao } from './harness';

jest.setTimeout(900_000);

/*
 * The data owner's usage trail on the real network, with both members in their own trust domains:
 * DAO `ut<run>`, version 1 on channel dao-ut<run>-v1 (D = UtDsp, J1 = UtVspOne), formed from their
 * signed agreement as `./dev up` forms one (formDomainDao: the operator's bridge forms
 * the channel; the members' own bridges join, approve, and the DSP's initialises it). Real
 * RecordUsage transactions, each signed by a person of the member's own CA on its own peer — a
 * granted request recorded by its requester, a refused one by the dataset's owner — then the trail
 * read through the route over the DSP's own bridge (its member ledger: its identity, its peer), each
 * entry's transaction id checked with Fabric's own query system chaincode (qscc). Then the same trail
 * over both of the member bridge's edges, served by the platform as the member's app serves them
 * (HTTP route, gRPC datawell.ledgerbridge.v1.LedgerBridge, bearer tokens of the bridge's own /auth
 * API, its database in the DSP's own PostgreSQL, its directory knowing the members' own CAs): GetUsage
 * over a real gRPC client answers exactly the route's entries, with the route's refusals as gRPC
 * statuses and stable codes.
 */
const DSP = integrationPool().dsp;
const VSP1 = integrationPool().vsps[0];
/** An organisation that is no member of the DAO (it need not exist: the DSP records the refusal of its request). */
const STRANGER = integrationPool().vsps[1];
const run = hex(4);
const daoId = `ut${run}`;
const dataset = `readings-${run}`;
const agreement = withTerms(agreementFor({ daoId, dsp: DSP, vsps: [VSP1], betasPpm: [600_000] }, 1), { computations: [{ name: 'mean', resultRecipients: [VSP1] }] });

describe('the usage trail on the real network, read through the member bridge, each member in its own domain', () => {
  let dao: DomainDao;
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(dao.channel);

  beforeAll(async () => {
    dao = await formDomainDao({ prefix: 'ut', agreement });
    for (const msp of [DSP, VSP1]) conns[msp] = dao.connect(msp);
  }, 900_000);
  afterAll(async () => {
    await dao?.close();
  });

  /** The DSP's member ledger: its own bridge's (its identity, its own peer). */
  const dspLedger = (): MemberLedger => dao.members[DSP]!.bridge.memberLedger!;
  /** The DSP's member bridge's route. */
  const dspBridge = () => new MemberUsageController(dspLedger());

  it('records a granted and a refused request and reads them back, oldest first, each with its committed transaction id', async () => {
    const base = { dataset: { owner: DSP, name: dataset }, computation: 'mean', parametersDigest: 'ef'.repeat(32) };
    const granted: UsageEntryInput = usageEntrySchema.parse({ ...base, usageId: `cmp-${run}`, requester: { mspId: VSP1, enrollmentId: 'it-chaincode' }, recipients: [VSP1], outcome: 'granted', rows: 500, resultDigest: 'ab'.repeat(32) });
    const refused: UsageEntryInput = usageEntrySchema.parse({ ...base, usageId: `ref-${run}`, requester: { mspId: STRANGER }, recipients: [DSP], outcome: 'refused', check: 'requester-member' });

    // Who records what: the requester a granted request, the dataset's owner a refusal.
    expect(await failure(() => submit(net(DSP), DAO.chaincode, DAO.tx.RecordUsage, JSON.stringify(granted)))).toMatch(new RegExp(`FORBIDDEN: ${DSP} may not record ${VSP1}'s granted request`));
    expect(await failure(() => submit(net(VSP1), DAO.chaincode, DAO.tx.RecordUsage, JSON.stringify(refused)))).toMatch(new RegExp(`FORBIDDEN: ${VSP1} may not record a refused request on ${DSP}'s dataset`));
    const first = await submit(net(VSP1), DAO.chaincode, DAO.tx.RecordUsage, ...DAO.invocation(DAO.tx.RecordUsage, granted).arguments);
    const second = await submit(net(DSP), DAO.chaincode, DAO.tx.RecordUsage, ...DAO.invocation(DAO.tx.RecordUsage, refused).arguments);
    expect((await eventOf(net(DSP), DAO.chaincode, first)).payload).toMatchObject({ type: DAO.event.UsageRecorded, usageId: granted.usageId, txId: first.txId, recordedBy: VSP1 });
    // A retry (the bridge resubmitting a command) records nothing new and answers the first transaction.
    expect(JSON.parse((await submit(net(VSP1), DAO.chaincode, DAO.tx.RecordUsage, JSON.stringify(granted))).result)).toMatchObject({ txId: first.txId });

    const trail = await dspBridge().trail({ mspId: DSP, enrollmentId: 'owner', role: 'DSP', certificateFingerprint: 'x' }, dataset, { daoId });
    expect(trail.entries.map((e) => [e.usageId, e.outcome, e.txId, e.version])).toEqual([
      [granted.usageId, 'granted', first.txId, 1],
      [refused.usageId, 'refused', second.txId, 1],
    ]);
    expect(trail.entries[0]).toMatchObject({ requester: { mspId: VSP1, enrollmentId: 'it-chaincode' }, rows: 500, resultDigest: granted.resultDigest, recipients: [VSP1], recordedBy: VSP1 });
    expect(trail.entries[1]).toMatchObject({ requester: { mspId: STRANGER }, check: 'requester-member', recordedBy: DSP });
    expect(trail.entries[0]!.atMs).toBeLessThanOrEqual(trail.entries[1]!.atMs);

    // Each transaction id is a valid transaction of the channel, as Fabric's own query system chaincode has it.
    for (const e of trail.entries) {
      const bytes = await net(VSP1).getContract('qscc').evaluateTransaction('GetTransactionByID', dao.channel, e.txId);
      expect(peerProtos.ProcessedTransaction.deserializeBinary(bytes).getValidationcode()).toBe(peerProtos.TxValidationCode.VALID);
    }
  });

  it("gives every member's peer the same trail, and nothing of another dataset", async () => {
    const fromVsp = JSON.parse(await evaluate(net(VSP1), DAO.chaincode, DAO.tx.GetUsage, dataset)) as { entries: unknown[] };
    const fromDsp = JSON.parse(await evaluate(net(DSP), DAO.chaincode, DAO.tx.GetUsage, dataset)) as { entries: unknown[] };
    expect(fromVsp.entries).toHaveLength(2);
    expect(fromVsp).toEqual(fromDsp);
    expect(JSON.parse(await evaluate(net(VSP1), DAO.chaincode, DAO.tx.GetUsage, `other-${run}`))).toEqual({ dataset: `other-${run}`, entries: [] });
  });

  describe("over the member bridge's HTTP and gRPC edges", () => {
    const database = `lb_usage_grpc_${run}`;
    const directoryTopic = `it.lb-usage-grpc.${run}`;
    let app: INestApplication;
    let url: string;
    let client: grpc.Client & Record<string, (r: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: Record<string, unknown>) => void) => void>;
    const tokens: Record<string, string> = {};
    const admin = async <T>(fn: (db: Client) => Promise<T>): Promise<T> => {
      const db = new Client({ connectionString: memberPostgresUrl(DSP) });
      await db.connect();
      try {
        return await fn(db);
      } finally {
        await db.end();
      }
    };
    const getUsage = (message: Record<string, unknown>, token?: string): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const metadata = new grpc.Metadata();
        if (token) metadata.set('authorization', `Bearer ${token}`);
        client['GetUsage']!(message, metadata, (error, value) => (error ? reject(error) : resolve(value)));
      });
    const grpcRefusal = async (message: Record<string, unknown>, token?: string): Promise<[number, unknown]> => {
      const error = (await getUsage(message, token).then(() => undefined, (e: unknown) => e)) as grpc.ServiceError | undefined;
      return [error?.code ?? -1, error?.metadata.get('datawell-code')[0]];
    };
    /** A gRPC UsageEntry in the route's JSON shape (absent optionals stay absent). */
    const asRouteEntry = (e: Record<string, unknown>) => {
      const requester = e['requester'] as { msp_id: string; enrollment_id?: string };
      const optional = (name: string, value: unknown) => (value === undefined || value === null ? {} : { [name]: value });
      return {
        usageId: e['usage_id'],
        dataset: e['dataset'],
        requester: { mspId: requester.msp_id, ...optional('enrollmentId', requester.enrollment_id) },
        computation: e['computation'],
        parametersDigest: e['parameters_digest'],
        recipients: e['recipients'],
        outcome: e['outcome'],
        ...optional('rows', e['rows']),
        ...optional('resultDigest', e['result_digest']),
        ...optional('check', e['check']),
        ...optional('failure', e['failure']),
        recordedBy: e['recorded_by'],
        atMs: e['at_ms'],
        txId: e['tx_id'],
        version: e['version'],
        channel: e['channel'],
      };
    };

    beforeAll(async () => {
      // A database of its own in the DSP's own PostgreSQL, and an empty directory topic: the members below are the only ones it knows.
      await admin((db) => db.query(`CREATE DATABASE ${database}`));
      await createTopics(stackKafka(`lb-it-usage-grpc-${run}`), [directoryTopic]);
      const config = loadServiceConfig(ledgerBridgeService, { ...stackEnv(), DATAWELL_POSTGRES_URL: memberPostgresUrl(DSP, database), DATAWELL_LOG_LEVEL: 'fatal', LEDGER_BRIDGE_GRPC_PORT: '0', LEDGER_BRIDGE_CHANNELS: '' });
      // The member app's usage edges: the route and the gRPC handlers over the DSP's ledger, the platform's gRPC server, libs/auth.
      @Module({})
      class UsageEdges {}
      const edges: DynamicModule = {
        module: UsageEdges,
        imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, sharedTopics: false, grpc: LEDGER_BRIDGE_GRPC }), AuthModule.forRoot({ directory: { topic: directoryTopic, groupId: `it.lb-usage-grpc.${run}` } })],
        controllers: [MemberUsageController],
        providers: [{ provide: MEMBER_LEDGER, useValue: dspLedger() }, LedgerBridgeGrpc],
      };
      app = await createServiceApp(config, () => edges);
      await app.listen(0, '127.0.0.1');
      url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      // Each member by its own CA (its public MSP package), its person logging in with the identity its CA issued in its domain.
      for (const [mspId, role] of [[DSP, 'DSP'], [VSP1, 'VSP']] as const) {
        const caCertPem = readMspPackage(testStackContext(), mspId).cacerts[0]!;
        await app.get(DataSource).transaction((m) => app.get(IdentityDirectory).upsert(m, { mspId, role, name: mspId, status: 'active', caCertPem }, `it:${mspId}:${run}`));
        tokens[mspId] = await login(url, dao.people[mspId]!);
      }
      const definition = protoLoader.loadSync(LEDGER_BRIDGE_PROTO, { keepCase: true, longs: Number, defaults: false, oneofs: true });
      const proto = grpc.loadPackageDefinition(definition) as unknown as { datawell: { ledgerbridge: { v1: { LedgerBridge: grpc.ServiceClientConstructor } } } };
      client = new proto.datawell.ledgerbridge.v1.LedgerBridge(`127.0.0.1:${app.get(GrpcServer).port}`, grpc.credentials.createInsecure()) as typeof client;
    }, 120_000);

    afterAll(async () => {
      client?.close();
      await app?.close();
      await admin((db) => db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
    });

    it('answers GetUsage with exactly the entries of GET /datasets/:dataset/usage, for the same caller', async () => {
      const http = await request(url).get(`/datasets/${dataset}/usage`).query({ daoId }).set({ Authorization: `Bearer ${tokens[DSP]}` }).expect(200);
      const body = http.body as { daoId: string; dataset: string; entries: Array<Record<string, unknown>> };
      expect(body.entries.map((e) => e['outcome'])).toEqual(['granted', 'refused']);
      const answer = await getUsage({ dataset, dao_id: daoId }, tokens[DSP]);
      expect({ daoId: answer['dao_id'], dataset: answer['dataset'] }).toEqual({ daoId: body.daoId, dataset: body.dataset });
      expect((answer['entries'] as Array<Record<string, unknown>>).map(asRouteEntry)).toEqual(body.entries);
      // One version, as the route's ?version= selects it.
      const one = await getUsage({ dataset, dao_id: daoId, version: 1 }, tokens[DSP]);
      const oneHttp = await request(url).get(`/datasets/${dataset}/usage`).query({ daoId, version: '1' }).set({ Authorization: `Bearer ${tokens[DSP]}` }).expect(200);
      expect((one['entries'] as Array<Record<string, unknown>>).map(asRouteEntry)).toEqual((oneHttp.body as typeof body).entries);
    });

    it("refuses as the route does: UNAUTHENTICATED, PERMISSION_DENIED to another organisation's identity, INVALID_ARGUMENT, NOT_FOUND, with the route's codes", async () => {
      const message = { dataset, dao_id: daoId };
      const route = (query: Record<string, string>, token?: string, name = dataset) => request(url).get(`/datasets/${name}/usage`).query(query).set(token ? { Authorization: `Bearer ${token}` } : {});
      expect(await grpcRefusal(message)).toEqual([grpc.status.UNAUTHENTICATED, 'UNAUTHENTICATED']);
      expect((await route({ daoId })).status).toBe(401);
      expect(await grpcRefusal(message, 'forged.token')).toEqual([grpc.status.UNAUTHENTICATED, 'UNAUTHENTICATED']);
      expect(await grpcRefusal(message, tokens[VSP1])).toEqual([grpc.status.PERMISSION_DENIED, 'FORBIDDEN']);
      expect((await route({ daoId }, tokens[VSP1])).body).toMatchObject({ code: 'FORBIDDEN' });
      expect(await grpcRefusal({ ...message, version: 0 }, tokens[DSP])).toEqual([grpc.status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
      expect(await grpcRefusal({ dataset: '-bad', dao_id: daoId }, tokens[DSP])).toEqual([grpc.status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
      expect((await route({ daoId }, tokens[DSP], '-bad')).status).toBe(400);
      expect(await grpcRefusal({ dataset }, tokens[DSP])).toEqual([grpc.status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
      expect(await grpcRefusal({ ...message, version: 2 }, tokens[DSP])).toEqual([grpc.status.NOT_FOUND, 'VERSION_NOT_FOUND']);
      expect((await route({ daoId, version: '2' }, tokens[DSP])).body).toMatchObject({ code: 'VERSION_NOT_FOUND' });
      expect(await grpcRefusal({ dataset, dao_id: 'nowhere' }, tokens[DSP])).toEqual([grpc.status.NOT_FOUND, 'VERSION_NOT_FOUND']);
    });
  });
});
