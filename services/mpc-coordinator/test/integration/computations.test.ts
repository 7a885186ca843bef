import { writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { heartbeatMessageSchema, MARKETPLACE_CHANNEL, TOPICS, verifyHeartbeatSignature } from '@datawell/contracts';
import { generateTestPki } from '@datawell/mpc';
import { generateReadingsKeyPair, openReadingsProducer } from '@datawell/iot';
import { createTopicsLed } from '@datawell/stack';
import { MpcCoordinator } from '../../src/mpc-coordinator';
import { NodeCallError, NodeClient } from '../../src/computations/node-client.adapter';
import {
  hex,
  kafkaClient,
  publishLedgerEvent,
  readTopics,
  scanForPlaintext,
  scratchDir,
  startCoordinator,
  startNodes,
  waitFor,
  writeMeshPki,
  type MeshPki,
  type Member,
  type NodeMesh,
} from './harness';

jest.setTimeout(600_000);

/** GET `url` over TLS trusting `ca`, presenting `identity` when given: the status, or the failure. */
function controlGet(url: string, ca: string, identity?: { cert: string; key: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca, ...identity, checkServerIdentity: () => undefined, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/**
 * End to end through the coordinator, on a DAO of domains: its version from the marketplace's public
 * directory (DaoPublished), three members' MPC node processes over mutual TLS registered by their
 * members, preprocessing topped up ahead of demand, computations asked for over HTTP and run across
 * the nodes — and the coordinator keeps no result and signs nothing as a member: a recipient's node
 * must deliver the result to its member's own bridge, and these nodes, with no bridge to deliver to
 * (no MPC_NODE_LEDGER_URL), return it instead, which the coordinator discards (RESULT_NOT_DELIVERED).
 * Afterwards no trace of the DSP's plaintext in Kafka, PostgreSQL or the logs. (A node delivering to
 * its member's bridge, pinned to its member's CA: workloads/mpc-node mesh-file.test.ts.)
 */
describe('mpc-coordinator end to end', () => {
  const run = hex();
  const daoId = `mpcit${run}`;
  // A distinctive reading planted in the DSP's dataset, and its fixed-point encoding (f = 16).
  const PLANTED = '73.915862';
  const PLANTED_FIXED = String(Math.round(73.915862 * 2 ** 16));
  const kafka = kafkaClient();
  const scratch = scratchDir();
  const values: number[] = [];
  const feedTopic = `dsp-${run}.meter-readings`;
  const plainTopic = `dsp-${run}.plain-readings`;
  const feed = Array.from({ length: 60 }, (_, i) => 1 + (i % 7) * 0.25);
  let coordinator: Awaited<ReturnType<typeof startCoordinator>>;
  let dsp: Member, vsp1: Member, vsp2: Member, outsider: Member;
  let nodes: NodeMesh;
  let mesh: MeshPki;
  let control: NodeClient;
  let csvFile: string;

  const api = () => request(coordinator.app.getHttpServer());
  const as = (m: Member) => ({ Authorization: `Bearer ${m.token}` });
  /** The recipients a request names for each computation (signed; the terms are private to the DAO's channel, for the nodes to check). */
  const recipientsOf = (computation: unknown): string[] => ({ mean: [vsp1.mspId], sum: [dsp.mspId] })[String(computation)] ?? [vsp1.mspId];
  /** `body` as `m` asks for it: of the DSP's readings (unless it names another dataset of the DSP), to the terms' recipients, under a fresh request id unless given; signed by `m`'s enrolled identity. */
  const signedBody = (m: Member, body: Record<string, unknown>, options?: Parameters<Member['sign']>[1]) => {
    const full = { daoId, version: 1, requestId: `it-${hex()}`, ...body, dataset: { name: 'readings', owner: dsp.mspId, ...(body['dataset'] as object | undefined) }, recipients: (body['recipients'] as string[] | undefined) ?? recipientsOf(body['computation']) };
    return m.sign(full as typeof full & { computation: string; parameters: { columns: string[] } }, options);
  };
  const ask = (m: Member, body: Record<string, unknown>) => api().post('/computations').set(as(m)).send(signedBody(m, body));
  const finished = (id: string) =>
    waitFor(`computation ${id}`, async () => {
      const res = await api().get(`/computations/${id}`).set(as(dsp));
      return res.body.status === 'completed' || res.body.status === 'failed' ? res.body : undefined;
    }, 300_000);

  beforeAll(async () => {
    mesh = await writeMeshPki(scratch.dir, 3);
    control = new NodeClient(10_000, { ca: mesh.pki.caCert, cert: mesh.coordinator.cert, key: mesh.coordinator.key });
    coordinator = await startCoordinator(run, mesh.coordinatorEnv, { eventsPartitions: 2 });
    dsp = await coordinator.member('DSP', 'Dsp');
    vsp1 = await coordinator.member('VSP', 'VspA');
    vsp2 = await coordinator.member('VSP', 'VspB');
    outsider = await coordinator.member('VSP', 'Out');
    let seed = 11;
    for (let i = 0; i < 400; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      values.push(Math.round((18 + (seed / 2 ** 31) * 6) * 1e4) / 1e4);
    }
    values[123] = Number(PLANTED);
    csvFile = join(scratch.dir, 'readings.csv');
    writeFileSync(csvFile, `hour,temperature\n${values.map((v, i) => `${i},${v}`).join('\n')}\n`);
    // A live feed too: the DSP's own topic of readings, sealed by an IoT producer to the DSP's node,
    // which alone opens them; and a topic of plain readings, which the node refuses.
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsLed(admin, [{ topic: feedTopic, numPartitions: 2 }, plainTopic]).finally(() => admin.disconnect());
    const readingsKey = generateReadingsKeyPair();
    const readingsKeyFile = join(scratch.dir, 'readings.key');
    writeFileSync(readingsKeyFile, readingsKey.privateKeyPem, { mode: 0o600 });
    const sensors = await openReadingsProducer({ kafka, recipientPublicKey: readingsKey.publicKeyPem, context: { owner: dsp.mspId, dataset: 'feed', topic: feedTopic } });
    await sensors.publish(feed.map((v, i) => ({ sensor: `sensor-${i % 3}`, kwh: v }))).finally(() => sensors.close());
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: plainTopic, messages: [{ value: JSON.stringify({ sensor: 'sensor-0', kwh: 1.5 }) }] });
    await producer.disconnect();
    const owners = [dsp.mspId, vsp1.mspId, vsp2.mspId];
    const sealed = { keyFile: readingsKeyFile, owner: dsp.mspId };
    nodes = await startNodes({ daoId, version: 1, owners, datasets: [{ readings: { file: csvFile }, feed: { topic: feedTopic, sealed }, plainfeed: { topic: plainTopic, sealed } }, {}, {}], dir: scratch.dir, mesh });
    // As the marketplace chaincode emits it: the payload's channel is the one it was emitted on.
    const entry = { daoId, name: daoId, summary: 'a DAO of domains', version: 1, channel: 'marketplace', members: owners, status: 'active', publishedBy: dsp.mspId, updatedAtMs: Date.now(), created: true };
    await publishLedgerEvent(kafka, MARKETPLACE_CHANNEL, 'DaoPublished', entry, coordinator.eventsTopic);
  });

  afterAll(async () => {
    control?.close();
    await nodes?.stop();
    await coordinator?.close();
    scratch.remove();
  });

  it('learns the version from the public directory and lets each listed member register its node', async () => {
    await waitFor('the public version in the read model', async () => {
      const res = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(dsp)).send({ partyIndex: 0, controlUrl: nodes.controlUrls[0] });
      return res.status === 200 ? res.body : undefined;
    });
    await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(vsp1)).send({ partyIndex: 1, controlUrl: nodes.controlUrls[1] }).expect(200);
    const taken = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(vsp2)).send({ partyIndex: 1, controlUrl: nodes.controlUrls[2] });
    expect(taken.status).toBe(400);
    await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(vsp2)).send({ partyIndex: 2, controlUrl: nodes.controlUrls[2] }).expect(200);
    const stranger = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(outsider)).send({ partyIndex: 0, controlUrl: 'https://127.0.0.1:1' });
    // To a non-member the version answers exactly as an unknown one (ids cannot be probed).
    const unknown = await api().put(`/daos/${daoId}/versions/9/nodes`).set(as(outsider)).send({ partyIndex: 0, controlUrl: 'https://127.0.0.1:1' });
    expect([stranger.status, stranger.body]).toEqual([404, { code: 'VERSION_NOT_FOUND', message: `no DAO version ${daoId} v1 on the ledger (yet)` }]);
    expect([unknown.status, unknown.body]).toEqual([404, { code: 'VERSION_NOT_FOUND', message: `no DAO version ${daoId} v9 on the ledger (yet)` }]);
  });

  it('tops up every node\'s preprocessing stock ahead of demand', async () => {
    await waitFor('the nodes to connect and set up MASCOT', async () => {
      await Promise.all(nodes.controlUrls.map((u) => control.inventory(u)));
      return true;
    });
    await coordinator.app.get(MpcCoordinator).topUpNow();
    const stock = await waitFor('the stock', async () => {
      const res = await api().get(`/daos/${daoId}/versions/1/nodes`).set(as(vsp2));
      const all = res.body as Array<{ inventory?: { triples: number; masks: number[] } }>;
      return all.length === 3 && all.every((n) => (n.inventory?.triples ?? 0) >= 2000) ? all : undefined;
    });
    // Masks for the data owner (party 0), the listed member whose identity-directory role is DSP (the
    // terms, and so the recipients, are private to the DAO's channel).
    for (const n of stock) expect(n.inventory!.masks[0]).toBeGreaterThanOrEqual(1200);
  });

  it("serves the nodes' control API only to a client certificate from the mesh's CA that names no party", async () => {
    const url = `${nodes.controlUrls[0]}/inventory`;
    const ca = mesh.pki.caCert;
    expect(await controlGet(url, ca, mesh.coordinator)).toBe(200);
    // No client certificate, or one from another CA: the handshake is refused.
    await expect(controlGet(url, ca)).rejects.toThrow();
    const rogue = await generateTestPki(1);
    await expect(controlGet(url, ca, rogue.identities[0]!)).rejects.toThrow();
    // Another member's node has a certificate from the same CA, but it is not the coordinator.
    expect(await controlGet(url, ca, mesh.pki.identities[1]!)).toBe(403);
    // Plain HTTP gets nowhere.
    await expect(
      new Promise<number>((resolve, reject) => {
        const req = httpGet(url.replace('https:', 'http:'), { timeout: 5000 }, (res) => resolve(res.statusCode ?? 0));
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
      }),
    ).rejects.toThrow();
    // The coordinator's client refuses a node whose certificate is not from its CA, and plain URLs.
    const distrustful = new NodeClient(5000, { ca: rogue.caCert, cert: mesh.coordinator.cert, key: mesh.coordinator.key });
    try {
      await expect(distrustful.inventory(nodes.controlUrls[0]!)).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' });
    } finally {
      distrustful.close();
    }
    await expect(control.inventory(nodes.controlUrls[0]!.replace('https:', 'http:'))).rejects.toBeInstanceOf(NodeCallError);
    const plain = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(dsp)).send({ partyIndex: 0, controlUrl: nodes.controlUrls[0]!.replace('https:', 'http:') });
    expect(plain.body).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^controlUrl/) });
  });

  it('refuses what membership and the catalogue do not allow, with a code (the terms are the nodes\' to check)', async () => {
    const body = { computation: 'mean', parameters: { columns: ['temperature'] } };
    const outsiderAsks = await ask(outsider, body);
    expect([outsiderAsks.status, outsiderAsks.body.code]).toEqual([404, 'VERSION_NOT_FOUND']);
    expect((await ask(dsp, { ...body, computation: 'median' })).body).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/no program in the catalogue/) });
    expect((await ask(dsp, { ...body, recipients: [outsider.mspId] })).body).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/is not an active member/) });
    expect((await ask(dsp, { ...body, parameters: { columns: 'temperature' } })).body).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await api().post('/computations').send(body)).status).toBe(401);
    expect((await ask(dsp, { ...body, version: 9 })).body).toMatchObject({ code: 'VERSION_NOT_FOUND' });
  });

  it("takes only a request its requester signed over what it asks (v2), whatever the version's terms allow", async () => {
    const body = { computation: 'mean', parameters: { columns: ['temperature'] } };
    const { issuedAtMs: _i, certificatePem: _c, signature: _s, ...unsigned } = signedBody(vsp1, body);
    const post = (b: object) => api().post('/computations').set(as(vsp1)).send(b);
    const refused = await post(unsigned);
    expect([refused.status, refused.body]).toEqual([
      400,
      { code: 'REQUEST_SIGNATURE_REQUIRED', message: 'a computation request must be signed by its requester: issuedAtMs, certificatePem and signature over computationRequestSigningText (datawell.computation-request.v2)' },
    ]);
    const outdated = await post(signedBody(vsp1, body, { over: { v1: true } }));
    expect([outdated.status, outdated.body.code, outdated.body.message]).toEqual([400, 'REQUEST_SIGNATURE_OUTDATED', expect.stringMatching(/signed as datawell\.computation-request\.v1, which binds neither its parameters nor its data owner/)]);
    // Signed over another column, or another owner, than the body names.
    expect((await post(signedBody(vsp1, body, { over: { columns: ['hour'] } }))).body).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    expect((await post(signedBody(vsp1, body, { over: { owner: vsp2.mspId } }))).body).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    // Signed by another organisation's identity.
    expect((await post(signedBody(vsp2, body))).body).toMatchObject({ code: 'REQUEST_SIGNATURE_INVALID' });
    // None of them was taken (vsp1 asks for nothing before this).
    const kept = (await coordinator.app.get(DataSource).query('SELECT count(*)::int AS n FROM mpc_coordinator.computations WHERE requester = $1', [vsp1.mspId])) as Array<{ n: number }>;
    expect(kept[0]!.n).toBe(0);
  });

  it("runs a mean across the nodes and keeps no result: the recipient's node returned it instead of delivering it to its own bridge, so it is discarded (RESULT_NOT_DELIVERED); no ledger command", async () => {
    const body = { computation: 'mean', parameters: { columns: ['temperature'] }, requestId: 'r-mean' };
    const first = await ask(vsp2, body);
    expect(first.status).toBe(202);
    const id = first.body.id as string;
    const again = await ask(vsp2, body);
    expect([again.status, again.body.id]).toEqual([200, id]);
    const done = await finished(id);
    // The nodes ran it to its end and agreed on the result: only then is a returned result refused.
    expect(done).toMatchObject({ status: 'failed', members: [dsp.mspId, vsp1.mspId, vsp2.mspId], recipients: [vsp1.mspId], error: { code: 'RESULT_NOT_DELIVERED', message: expect.stringMatching(/discarded it/) } });
    expect(done.result).toBeUndefined();
    expect(done.resultDigest).toBeUndefined();
    expect((await api().get(`/computations/${id}/result`).set(as(vsp1))).body).toMatchObject({ code: 'RESULT_NOT_READY' });
    expect((await api().get(`/computations/${id}/result`).set(as(dsp))).status).toBe(403);
    expect((await api().get(`/computations/${id}`).set(as(outsider))).status).toBe(404);
    // Kept nowhere: no digest in its row, and no column that could hold a result (the migration
    // CoordinatorDirectoryOnly dropped `result`); nothing for the ledger, in the outbox or on the commands topic.
    const dataSource = coordinator.app.get(DataSource);
    expect(await dataSource.query(`SELECT result_digest FROM mpc_coordinator.computations WHERE id = $1`, [id])).toEqual([{ result_digest: null }]);
    const resultColumns = (await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'mpc_coordinator' AND table_name = 'computations' AND column_name LIKE 'result%'`)) as Array<{ column_name: string }>;
    expect(resultColumns.map((c) => c.column_name)).toEqual(['result_digest']);
    // Its subscriptions and metering terms went with custody (the migration CoordinatorCustodyRemoved).
    const tables = (await dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'mpc_coordinator' AND table_name IN ('subscriptions', 'metering_terms', 'computations')`)) as Array<{ table_name: string }>;
    expect(tables.map((t) => t.table_name)).toEqual(['computations']);
    expect((await dataSource.query(`SELECT id FROM mpc_coordinator.outbox WHERE payload::text LIKE $1`, [`%${daoId}%`])) as unknown[]).toEqual([]);
    expect((await readTopics(kafka, [TOPICS.ledgerCommands])).some((m) => String(m.message.value).includes(id))).toBe(false);
    expect(coordinator.logs.join('')).not.toMatch(/"mean":\d/);
  });

  it('fails a computation on a dataset the owner does not have, with the node\'s code', async () => {
    const res = await ask(vsp1, { computation: 'mean', parameters: { columns: ['temperature'] }, dataset: { name: 'nothing-here' } });
    expect(await finished(res.body.id)).toMatchObject({ status: 'failed', error: { code: 'DATASET_UNKNOWN' } });
    // The mesh survives a refused dataset: the next computation runs to its result (discarded, as above).
    const next = await ask(vsp1, { computation: 'mean', parameters: { columns: ['temperature'] }, requestId: 'after-refusal' });
    expect(await finished(next.body.id)).toMatchObject({ status: 'failed', error: { code: 'RESULT_NOT_DELIVERED' } });
  });

  it('computes on a Kafka topic of sealed readings that the owner\'s node opens itself (to the result, discarded as above)', async () => {
    const res = await ask(dsp, { computation: 'sum', parameters: { columns: ['kwh'] }, dataset: { name: 'feed' }, recipients: [dsp.mspId] });
    expect(res.status).toBe(202);
    // Not DATASET_INVALID (a reading it could not open): the nodes computed the sum and agreed on it.
    expect(await finished(res.body.id)).toMatchObject({ status: 'failed', error: { code: 'RESULT_NOT_DELIVERED' } });
  });

  it('refuses plain readings on a Kafka topic with the node\'s code, naming the message and not its value', async () => {
    const res = await ask(dsp, { computation: 'sum', parameters: { columns: ['kwh'] }, dataset: { name: 'plainfeed' }, recipients: [dsp.mspId] });
    const done = await finished(res.body.id);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'DATASET_INVALID', message: expect.stringMatching(/message 0:0 of \S+ is not a sealed reading/) } });
    expect(done.error.message).not.toMatch(/1\.5/);
  });

  it('publishes every node\'s signed heartbeats to the telemetry topic', async () => {
    const messages = await readTopics(kafka, [TOPICS.telemetry]);
    for (let i = 0; i < 3; i++) {
      const beats = messages
        .map((m) => JSON.parse(String(m.message.value)) as { data: unknown })
        .map((e) => heartbeatMessageSchema.safeParse(e.data))
        .filter((p) => p.success && p.data.heartbeat.workloadId === nodes.workloadIds[i])
        .map((p) => p.data!);
      expect(beats.length).toBeGreaterThan(0);
      expect(beats[0]).toMatchObject({ daoId, version: 1, owner: [dsp, vsp1, vsp2][i]!.mspId });
      expect(beats.every((b) => verifyHeartbeatSignature(b.heartbeat, nodes.publicKeys[i]!))).toBe(true);
    }
  });

  it('leaves no plaintext of the DSP\'s dataset in Kafka, PostgreSQL or the logs — and the scan would see one', async () => {
    // The scan is able to find: the DSP's own input file holds the value, and a control value
    // planted in Kafka, PostgreSQL and a log is found in each.
    const CONTROL = `control-${hex(6)}`;
    const probeTopic = `datawell.mpc-it-probe.${run}`;
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsLed(admin, [probeTopic]).finally(() => admin.disconnect());
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: probeTopic, messages: [{ value: JSON.stringify({ probe: CONTROL }) }] });
    await producer.disconnect();
    const dataSource = coordinator.app.get(DataSource);
    await dataSource.query(`INSERT INTO mpc_coordinator.inbox (consumer, event_id) VALUES ('it-probe', $1)`, [CONTROL]);
    try {
      const control = await scanForPlaintext(kafka, [CONTROL], [`a log line with ${CONTROL}`], []);
      expect(control.kafka).toEqual([expect.stringMatching(/^datawell\.mpc-it-probe\./)]);
      expect(control.postgres).toEqual(['mpc_coordinator.inbox.event_id']);
      expect(control.logs).toHaveLength(1);
      const own = await scanForPlaintext(kafka, [PLANTED], [], [csvFile]);
      expect(own.logs).toEqual([csvFile]);

      const logsOfNodes = nodes.logFiles;
      expect(coordinator.logs.join('')).toMatch(/computation running/);
      const hits = await scanForPlaintext(kafka, [PLANTED, PLANTED_FIXED], coordinator.logs, logsOfNodes);
      expect(hits).toEqual({ kafka: [], postgres: [], logs: [] });
    } finally {
      await dataSource.query(`DELETE FROM mpc_coordinator.inbox WHERE consumer = 'it-probe'`);
    }
  });
});
