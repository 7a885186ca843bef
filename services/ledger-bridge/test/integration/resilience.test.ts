import { createServer, connect, type Server, type Socket } from 'node:net';
import { ledgerEventId } from '@datawell/contracts';
import type { GatewayConnection } from '@datawell/fabric';
import { createKafka } from '@datawell/messaging';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { stackConnection } from '@datawell/testing';
import { ChannelsRepository } from '../../src/channels/channels.repository';
import { CheckpointOrderError } from '../../src/events/checkpoint';
import { LedgerEventsRepository } from '../../src/events/ledger-events.repository';
import { PostgresCheckpointer } from '../../src/events/postgres-checkpointer';
import type { LedgerBridge } from '../../src/ledger-bridge';
import {
  bridgeSettings,
  createTopics,
  hex,
  json,
  kafkaClient,
  newBridge,
  operatorWallet,
  readTopic,
  scratchDatabase,
  testGateway,
  waitFor,
  PROBE_CHANNEL,
  probeChannel,
} from './harness';

jest.setTimeout(240_000);

/** A TCP relay in front of the peer that the test can take down and bring back on the same port. */
class PeerProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly upstream: { host: string; port: number }) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const peer = connect(this.upstream.port, this.upstream.host);
      for (const s of [client, peer]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(peer).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.#server = server;
  }

  /** The peer "goes away": no new connections, and every open one is cut. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('ledger-bridge event relay across outages', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  let client: GatewayConnection;
  const bridges: LedgerBridge[] = [];

  beforeAll(async () => {
    [db, wallet, client] = await Promise.all([scratchDatabase(), operatorWallet(), testGateway(), probeChannel()]);
    kafka = kafkaClient();
  });

  // A failed test's bridge must not keep relaying into the next test (they share the checkpoints).
  afterEach(async () => {
    for (const bridge of bridges.splice(0)) await bridge.stop().catch(() => undefined);
  });

  afterAll(async () => {
    client?.close();
    wallet?.remove();
    await db?.drop();
  });

  function freshTopics() {
    return { events: `it.ledger.events.${hex()}`, commands: `it.ledger.commands.${hex()}`, receipts: `it.ledger.receipts.${hex()}` };
  }

  async function put(key: string): Promise<{ key: string; id: string; block: bigint }> {
    const commit = await client.gateway.getNetwork(PROBE_CHANNEL).getContract('hello').submitAsync('Put', { arguments: [key, 'v'] });
    const status = await commit.getStatus();
    if (!status.successful) throw new Error(`Put ${key} did not commit: ${status.code}`);
    return {
      key,
      block: status.blockNumber,
      id: ledgerEventId({ channel: PROBE_CHANNEL, blockNumber: status.blockNumber, transactionId: status.transactionId, eventIndex: 0 }),
    };
  }

  const keyed = (prefix: string) => (messages: KafkaMessage[]) =>
    messages.map(json).filter((e) => String((e.data['payload'] as { key?: string }).key ?? '').startsWith(prefix));

  async function eventsRelayed(): Promise<bigint> {
    const rows = (await db.dataSource.query(`SELECT events FROM "${db.schema}".checkpoints WHERE channel = $1 AND chaincode = 'hello'`, [PROBE_CHANNEL])) as Array<{ events: string }>;
    return BigInt(rows[0]?.events ?? 0);
  }

  it('reconnects when the peer goes away and comes back, picks up a channel registered elsewhere, loses nothing, repeats nothing', async () => {
    const topics = freshTopics();
    await createTopics(kafka, [topics.events, topics.commands, topics.receipts]);
    const [host, port] = stackConnection().fabric.orgs['OperatorMSP']!.peer.endpoint.split(':');
    const proxy = new PeerProxy({ host: host === 'localhost' ? '127.0.0.1' : host!, port: Number(port) });
    await proxy.up();
    const settings = bridgeSettings(wallet.dir, topics);
    const bridge = newBridge(db, kafka, { ...settings, fabric: { ...settings.fabric!, endpoint: `127.0.0.1:${proxy.port}` } });
    bridges.push(bridge);
    await bridge.start();
    expect(bridge.streams()).toEqual([]);

    const prefix = `peer-${hex()}`;
    const expected = [await put(`${prefix}-1`), await put(`${prefix}-2`)];
    // Another replica (or the admin part) registers the channel in the shared table.
    await new ChannelsRepository(db.dataSource, db.schema).add({ name: PROBE_CHANNEL, chaincodes: ['hello'], startBlock: expected[0]!.block });
    await waitFor('the relay to pick up the new channel', async () => (bridge.streams().includes(`${PROBE_CHANNEL}/hello`) ? true : undefined), 20_000);
    await waitFor('two events relayed', async () => ((await eventsRelayed()) >= 2n ? true : undefined));

    await proxy.down();
    expected.push(await put(`${prefix}-3`), await put(`${prefix}-4`));
    await new Promise((r) => setTimeout(r, 3000));
    await proxy.up();
    expected.push(await put(`${prefix}-5`));

    const messages = await readTopic(kafka, topics.events, (m) => keyed(prefix)(m).length >= 5, { lingerMs: 3000 });
    expect(keyed(prefix)(messages).map((e) => e.id)).toEqual(expected.map((e) => e.id));
    const all = messages.map(json);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    await bridge.stop();
    await proxy.down();
  });

  it('recovers when its PostgreSQL connections are cut mid-stream, without losing or repeating an event', async () => {
    const topics = freshTopics();
    await createTopics(kafka, [topics.events, topics.commands, topics.receipts]);
    const bridge = newBridge(db, kafka, bridgeSettings(wallet.dir, topics));
    bridges.push(bridge);
    await bridge.start();
    const prefix = `pg-${hex()}`;
    const before = await eventsRelayed();
    const expected = [await put(`${prefix}-1`)];
    await waitFor('the first event relayed', async () => ((await eventsRelayed()) > before ? true : undefined));
    const admin = new Client({ connectionString: stackConnection().postgres.url });
    await admin.connect();
    try {
      const putting = (async () => {
        for (let n = 2; n <= 5; n += 1) expected.push(await put(`${prefix}-${n}`));
      })();
      for (let i = 0; i < 3; i += 1) {
        const cut = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [db.schema]);
        expect(cut.rowCount).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 700));
      }
      await putting;
    } finally {
      await admin.end();
    }
    // The stream resumed from the previous test's checkpoint: the test's own events, once, in order.
    const messages = await readTopic(kafka, topics.events, (m) => keyed(prefix)(m).length >= 5, { lingerMs: 3000 });
    expect(keyed(prefix)(messages).map((e) => e.id)).toEqual(expected.map((e) => e.id));
    const all = messages.map(json);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    await bridge.stop();
  });

  it('keeps relaying into the outbox while Kafka is unreachable, and publishes it all once when Kafka is back', async () => {
    const topics = freshTopics();
    await createTopics(kafka, [topics.events, topics.commands, topics.receipts]);
    const before = await eventsRelayed();
    const prefix = `kafka-${hex()}`;
    // A Kafka client for a port nothing listens on: the bridge's view of Kafka being down.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const deadKafka = createKafka({ clientId: 'lb-it-dead', brokers: [`127.0.0.1:${closedPort}`], retries: 0 });
    const offline = newBridge(db, deadKafka, bridgeSettings(wallet.dir, topics));
    bridges.push(offline);
    await offline.start();

    const expected = [await put(`${prefix}-1`), await put(`${prefix}-2`), await put(`${prefix}-3`)];
    await waitFor('three more events in the outbox', async () => ((await eventsRelayed()) >= before + 3n ? true : undefined));
    const [pending] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM "${db.schema}".outbox WHERE published_at IS NULL AND topic = $1`,
      [topics.events],
    );
    expect(pending.n).toBeGreaterThanOrEqual(3);
    await offline.stop();

    const online = newBridge(db, kafka, bridgeSettings(wallet.dir, topics));
    bridges.push(online);
    await online.start();
    const messages = await readTopic(kafka, topics.events, (m) => keyed(prefix)(m).length >= 3, { lingerMs: 3000 });
    expect(keyed(prefix)(messages).map((e) => e.id)).toEqual(expected.map((e) => e.id));
    const all = messages.map(json);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    await online.stop();
  });

  it('writes a RevenueRecorded event and its AllocationReceived command together, and refuses to relay an event twice', async () => {
    const channels = new ChannelsRepository(db.dataSource, db.schema);
    await expect(channels.add({ name: 'dao-acme-v2', chaincodes: ['dao'] })).rejects.toThrow(/DSP/);
    const channel = await channels.add({ name: 'dao-acme-v2', chaincodes: ['dao'], actingMspId: 'DspMSP' });
    const repository = new LedgerEventsRepository(db.dataSource, db.schema, { events: 'it.events', commands: 'it.commands', receipts: 'it.receipts' });
    const raw = {
      channel: 'dao-acme-v2',
      blockNumber: 12n,
      transactionId: `tx${hex(8)}`,
      chaincodeName: 'dao',
      eventName: 'RevenueRecorded',
      payload: Buffer.from(JSON.stringify({ revenueId: 'r-1', allocation: { level: 2, rest: '700', restTo: { channel: 'dao-acme-v1' } } })),
    };
    const { written } = await repository.record(channel, raw);
    const eventId = ledgerEventId({ channel: raw.channel, blockNumber: raw.blockNumber, transactionId: raw.transactionId, eventIndex: 0 });
    expect(written).toEqual([eventId, `allocation:${eventId}`]);
    const rows = (await db.dataSource.query(`SELECT id, topic, key, payload FROM "${db.schema}".outbox WHERE id = ANY($1) ORDER BY seq`, [written])) as Array<{
      id: string;
      topic: string;
      key: string;
      payload: { data: Record<string, unknown> };
    }>;
    expect(rows.map((r) => [r.topic, r.key])).toEqual([
      ['it.events', 'acme'],
      ['it.commands', 'dao-acme-v1'],
    ]);
    expect(rows[1]?.payload.data).toMatchObject({
      channel: 'dao-acme-v1',
      transaction: 'AllocationReceived',
      arguments: [JSON.stringify({ sourceChannel: 'dao-acme-v2', sourceTxId: raw.transactionId, amount: '700', sourceChaincode: 'dao' })],
      actingMspId: 'DspMSP',
    });

    // An allocation that contradicts its channel: the event is relayed, the allocation recorded as failed.
    const bad = { ...raw, blockNumber: 13n, transactionId: `tx${hex(8)}`, payload: Buffer.from(JSON.stringify({ allocation: { level: 3, rest: '5', restTo: { channel: 'dao-acme-v2' } } })) };
    const badId = ledgerEventId({ channel: bad.channel, blockNumber: bad.blockNumber, transactionId: bad.transactionId, eventIndex: 0 });
    const recorded = await repository.record(channel, bad);
    expect(recorded.problem?.code).toBe('ALLOCATION_EVENT_INVALID');
    expect(recorded.written).toEqual([badId, `receipt:allocation:${badId}`]);
    const [failed] = await db.dataSource.query(`SELECT status, error_code, error_message FROM "${db.schema}".operations WHERE command_id = $1`, [
      `allocation:${badId}`,
    ]);
    expect(failed).toMatchObject({ status: 'failed', error_code: 'ALLOCATION_EVENT_INVALID' });
    expect(failed.error_message).toMatch(/level 3/);

    await expect(repository.record(channel, raw)).rejects.toThrow(CheckpointOrderError);
    const [count] = await db.dataSource.query(`SELECT count(*)::int AS n FROM "${db.schema}".outbox WHERE id = ANY($1)`, [written]);
    expect(count.n).toBe(2);
    expect((await repository.checkpoint('dao-acme-v2', 'dao'))?.events).toBe(2n);
  });

  it('keeps fabric-gateway checkpoints in PostgreSQL: block and transaction checkpoints survive a reload, never go back', async () => {
    const repository = new LedgerEventsRepository(db.dataSource, db.schema, { events: 'it.events', commands: 'it.commands', receipts: 'it.receipts' });
    const chaincode = `cc${hex()}`;
    const first = await PostgresCheckpointer.load(repository, 'marketplace', chaincode);
    expect(first.getBlockNumber()).toBeUndefined();
    await first.checkpointTransaction(10n, 'txA');
    expect((await PostgresCheckpointer.load(repository, 'marketplace', chaincode)).getTransactionId()).toBe('txA');
    await first.checkpointBlock(10n);
    const reloaded = await PostgresCheckpointer.load(repository, 'marketplace', chaincode);
    expect([reloaded.getBlockNumber(), reloaded.getTransactionId()]).toEqual([11n, undefined]);
    await expect(reloaded.checkpointTransaction(9n, 'old')).rejects.toThrow(CheckpointOrderError);
    expect((await PostgresCheckpointer.load(repository, 'marketplace', chaincode)).getBlockNumber()).toBe(11n);
  });
});
