import { ledgerEventId, TOPICS } from '@datawell/contracts';
import type { GatewayConnection } from '@datawell/fabric';
import type { Kafka } from 'kafkajs';
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

describe('ledger-bridge event relay against Fabric, PostgreSQL and Kafka', () => {
  const topics = { events: `it.ledger.events.${hex()}`, commands: `it.ledger.commands.${hex()}`, receipts: `it.ledger.receipts.${hex()}` };
  const prefix = `relay-${hex()}`;
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  let client: GatewayConnection;
  let bridge: LedgerBridge | undefined;
  /** What the test submitted, in commit order: key and expected event id. */
  const submitted: Array<{ key: string; id: string }> = [];

  async function put(n: number): Promise<bigint> {
    const key = `${prefix}-${n}`;
    const commit = await client.gateway.getNetwork(PROBE_CHANNEL).getContract('hello').submitAsync('Put', { arguments: [key, `v${n}`] });
    const status = await commit.getStatus();
    if (!status.successful) throw new Error(`Put ${key} did not commit: ${status.code}`);
    submitted.push({ key, id: ledgerEventId({ channel: PROBE_CHANNEL, blockNumber: status.blockNumber, transactionId: status.transactionId, eventIndex: 0 }) });
    return status.blockNumber;
  }

  /** The test's own events on the topic (other suites may write to `hello` on the same channel). */
  const ours = (messages: Parameters<typeof json>[0][]) =>
    messages.map(json).filter((e) => String((e.data['payload'] as { key?: string }).key ?? '').startsWith(prefix));

  beforeAll(async () => {
    [db, wallet, client] = await Promise.all([scratchDatabase(), operatorWallet(), testGateway(), probeChannel()]);
    kafka = kafkaClient();
    await createTopics(kafka, [topics.events, topics.commands, topics.receipts]);
  });

  afterAll(async () => {
    await bridge?.stop();
    client?.close();
    wallet?.remove();
    await db?.drop();
  });

  it('relays exactly the submitted events, in order, with ids from channel, block, tx and index', async () => {
    const startBlock = await put(1);
    await put(2);
    await put(3);
    bridge = newBridge(db, kafka, bridgeSettings(wallet.dir, topics));
    await bridge.start();
    await bridge.addChannel({ name: PROBE_CHANNEL, chaincodes: ['hello'], startBlock });
    expect(bridge.streams()).toEqual([`${PROBE_CHANNEL}/hello`]);

    const messages = await readTopic(kafka, topics.events, (m) => ours(m).length >= 3);
    const events = ours(messages);
    expect(events.map((e) => e.id)).toEqual(submitted.map((s) => s.id));
    expect(events.map((e) => (e.data['payload'] as { key: string }).key)).toEqual(submitted.map((s) => s.key));
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      type: 'datawell.ledger.event.v1',
      subject: 'ProbePut',
      datacontenttype: 'application/json',
      data: { channel: PROBE_CHANNEL, chaincodeId: 'hello', eventName: 'ProbePut', eventIndex: 0, payloadEncoding: 'json', daoId: null },
    });
    // Whatever else was on the channel, nothing before the start block and nothing twice.
    const all = messages.map(json);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.every((e) => BigInt(e.data['blockNumber'] as string) >= startBlock)).toBe(true);
    expect(messages.map((m) => String(m.headers?.['ce_id']))).toEqual(all.map((e) => e.id));
    expect(String(messages[0]?.key)).toBe(PROBE_CHANNEL);
    expect(TOPICS.ledgerEvents).toBe('datawell.ledger.events.v1');
  });

  it('resumes exactly where it stopped: events submitted while it was down arrive once, in order', async () => {
    await bridge?.stop();
    bridge = undefined;
    // Read after the stop: other suites write to `hello` on the probe channel, so a running relay moves on.
    const checkpointBefore = await db.dataSource.query(`SELECT block_number, transaction_id FROM "${db.schema}".checkpoints`);
    await put(4);
    await put(5);
    await put(6);
    // The stopped bridge relayed nothing more.
    const after = await db.dataSource.query(`SELECT block_number, transaction_id FROM "${db.schema}".checkpoints`);
    expect(after).toEqual(checkpointBefore);

    bridge = newBridge(db, kafka, bridgeSettings(wallet.dir, topics));
    await bridge.start();
    // The channel was registered before the restart: the new bridge finds it in its table.
    await waitFor('the restarted relay to pick up the probe channel', async () => (bridge?.streams().length ? true : undefined));
    await put(7);

    const messages = await readTopic(kafka, topics.events, (m) => ours(m).length >= 7, { lingerMs: 3000 });
    const events = ours(messages);
    expect(events.map((e) => e.id)).toEqual(submitted.map((s) => s.id));
    const all = messages.map(json);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    // Ids of one channel sort by block, as published.
    const blocks = all.map((e) => BigInt(e.data['blockNumber'] as string));
    expect(blocks).toEqual([...blocks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));


    // Other suites keep writing to the probe channel: stop the relay, then compare what it wrote.
    await bridge?.stop();
    bridge = undefined;
    const final = (await readTopic(kafka, topics.events, (m) => ours(m).length >= 7, { lingerMs: 3000 })).map(json);
    expect(new Set(final.map((e) => e.id)).size).toBe(final.length);
    // The checkpoint is the newest event written to the outbox, and everything published is on the topic once.
    const [checkpoint] = await db.dataSource.query(`SELECT transaction_id FROM "${db.schema}".checkpoints WHERE channel = $1 AND chaincode = 'hello'`, [PROBE_CHANNEL]);
    const [newest] = await db.dataSource.query(`SELECT payload->'data'->>'transactionId' AS tx FROM "${db.schema}".outbox ORDER BY seq DESC LIMIT 1`);
    expect(checkpoint.transaction_id).toBe(newest.tx);
    const [outbox] = await db.dataSource.query(`SELECT count(*)::int AS n, count(published_at)::int AS published FROM "${db.schema}".outbox`);
    expect(outbox.published).toBe(final.length);
    expect(outbox.n).toBeGreaterThanOrEqual(outbox.published);
  });
});
