import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka, loadServiceConfig, newTrafficKeyBytes, readTrafficKeyFile, sealTraffic, TrafficKey, type ConnectionLogger } from '@datawell/config';
import { ledgerCommandCloudEvent, memberTopicPrefix, type LedgerCommand } from '@datawell/contracts';
import { connectionKafka, ensureMemberPrincipal, kafkaHome, kafkaSaslEnabled, osUserFor } from '@datawell/stack';
import { memberKafka, memberTrafficKeyFile, stackConnection, stackEnv, stackKafka, testStackContext } from '@datawell/testing';
import { Kafka as RawKafka, type Kafka, type Producer } from 'kafkajs';
import { ledgerBridgeService } from '../../src/config';
import type { LedgerBridge } from '../../src/ledger-bridge';
import { createTopics, decode, hex, json, newBridge, operatorWallet, probeChannel, readTopic, scratchDatabase, testGateway, waitFor, PROBE_CHANNEL } from './harness';

jest.setTimeout(240_000);

/** The `kafka` folder's server.properties names the broker's data folder (libs/stack components/kafka.ts). */
function brokerLogDir(): string {
  const properties = readFileSync(join(kafkaHome(testStackContext()), 'server.properties'), 'utf8');
  const dir = /^log\.dirs=(.+)$/m.exec(properties)?.[1];
  if (!dir) throw new Error('no log.dirs in the broker configuration');
  return dir.trim();
}

/**
 * Every file of every partition folder of `topic` in the broker's data folder (log segments, indexes,
 * snapshots): which of `needles` their raw bytes hold, and how many bytes were read.
 */
function scanTopicOnDisk(topic: string, needles: readonly string[]): { bytes: number; found: string[]; sealedRecords: boolean } {
  const dir = brokerLogDir();
  const partitions = readdirSync(dir).filter((d) => d.startsWith(`${topic}-`) && /^\d+$/.test(d.slice(topic.length + 1)));
  if (partitions.length === 0) throw new Error(`no partition folder of ${topic} in ${dir}`);
  let bytes = 0;
  const found = new Set<string>();
  let sealedRecords = false;
  for (const p of partitions) {
    for (const f of readdirSync(join(dir, p))) {
      const path = join(dir, p, f);
      if (!statSync(path).isFile()) continue;
      const content = readFileSync(path);
      bytes += content.length;
      if (content.includes('DWT1')) sealedRecords = true;
      for (const n of needles) if (content.includes(n)) found.add(n);
    }
  }
  return { bytes, found: [...found], sealedRecords };
}

/**
 * A member's bridge, configured as `./dev` and the compose file configure one (from its variables),
 * on the real peer and broker: it signs for its own organisation and for no other, whoever wrote the
 * command to its topic; everything on its topics is sealed with its domain's traffic key, and it takes
 * a command only when that key sealed it (which only the domain's principals hold) on a topic only the
 * domain's principal may write. The organisation here is the probe channel's only member, the operator.
 */
describe("ledger-bridge in a member's domain", () => {
  const member = 'OperatorMSP';
  const prefix = `${memberTopicPrefix(member)}it-${hex()}.`;
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let client: Awaited<ReturnType<typeof testGateway>>;
  let kafka: Kafka;
  let producer: Producer;
  let bridge: LedgerBridge;
  let topics: { events: string; commands: string; receipts: string };
  let keyFile: string;
  /** What the bridge's Kafka client logged at error level: its refusals of messages it cannot open. */
  const skipped: Array<Record<string, unknown>> = [];
  const capture: ConnectionLogger = {
    error: (m) => void (typeof m === 'object' && m !== null && skipped.push(m as Record<string, unknown>)),
    warn: () => undefined,
    log: () => undefined,
    debug: () => undefined,
  };

  const command = (actingMspId: string, args: string[] = [`k-${hex()}`, `v-${hex()}`]): LedgerCommand => ({
    commandId: `cmd-${hex()}`,
    channel: PROBE_CHANNEL,
    chaincode: 'hello',
    transaction: 'Put',
    arguments: args,
    actingMspId,
  });
  const message = (c: LedgerCommand) => ({ key: PROBE_CHANNEL, value: JSON.stringify(ledgerCommandCloudEvent(c, 'urn:it')) });

  const operation = async (commandId: string) =>
    ((await db.dataSource.query(`SELECT status, error_code, submissions FROM "${db.schema}".operations WHERE command_id = $1`, [commandId])) as Array<{ status: string; error_code: string | null; submissions: number }>)[0];
  const ended = (id: string) =>
    waitFor(`operation ${id}`, async () => {
      const row = await operation(id);
      return row && row.status !== 'pending' && row.status !== 'submitted' ? row : undefined;
    });

  beforeAll(async () => {
    [db, wallet, client] = await Promise.all([scratchDatabase(), operatorWallet(), testGateway(), probeChannel()]);
    keyFile = memberTrafficKeyFile(member);
    const peer = stackConnection().fabric.orgs[member]!.peer;
    const config = loadServiceConfig(ledgerBridgeService, {
      ...stackEnv(),
      DATAWELL_TRAFFIC_KEY_FILE: keyFile,
      LEDGER_BRIDGE_MEMBER_MSP_ID: member,
      LEDGER_BRIDGE_PEER_ENDPOINT: peer.endpoint,
      LEDGER_BRIDGE_PEER_HOST_ALIAS: peer.hostAlias,
      LEDGER_BRIDGE_PEER_TLS_CA_FILE: peer.tlsCaFile,
      LEDGER_BRIDGE_WALLET_DIR: wallet.dir,
      LEDGER_BRIDGE_CHANNELS: '',
      LEDGER_BRIDGE_EVENTS_TOPIC: `${prefix}events`,
      LEDGER_BRIDGE_COMMANDS_TOPIC: `${prefix}commands`,
      LEDGER_BRIDGE_RECEIPTS_TOPIC: `${prefix}receipts`,
      LEDGER_BRIDGE_COMMANDS_GROUP_ID: `${prefix}group`,
    });
    expect(config.settings.member).toEqual({ mspId: member });
    expect(config.kafka.trafficKey?.id).toBe(readTrafficKeyFile(keyFile).id);
    topics = config.settings.topics;
    // The member's own principal (the broker refuses the operator's every topic and group under the
    // member's prefix), holding the domain's traffic key, as the service platform makes it from the config.
    kafka = await memberKafka(member, `lb-it-member-${hex()}`, { logger: capture });
    await createTopics(kafka, [topics.events, topics.commands, topics.receipts]);
    producer = kafka.producer();
    await producer.connect();
    bridge = newBridge(db, kafka, { ...config.settings, channels: [] });
    await bridge.start();
  });

  afterAll(async () => {
    await bridge?.stop();
    await producer?.disconnect();
    client?.close();
    wallet?.remove();
    await db?.drop();
  });

  it("keeps the domain's traffic key in its secrets folder: 32 bytes, mode 0600, owned by the domain's user", () => {
    const stat = statSync(keyFile);
    expect(keyFile).toBe(join(testStackContext().settings.stackDir, 'domains', 'operator', 'secrets', 'traffic.key'));
    expect(stat.size).toBe(32);
    expect(stat.mode & 0o777).toBe(0o600);
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${osUserFor('operator')}:`));
    expect(Number(passwd?.split(':')[2])).toBe(stat.uid);
  });

  it('submits as its own organisation and refuses a command naming another, without reaching Fabric', async () => {
    const own = command(member);
    const foreign = command('LcDspMSP');
    await producer.send({ topic: topics.commands, messages: [own, foreign].map(message) });

    expect(await ended(own.commandId)).toMatchObject({ status: 'committed', error_code: null, submissions: 1 });
    expect(await ended(foreign.commandId)).toMatchObject({ status: 'failed', error_code: 'NOT_THIS_MEMBER', submissions: 0 });

    const receipts = (await readTopic(kafka, topics.receipts, (m) => m.length >= 2, { groupPrefix: `${prefix}reader` })).map(json);
    expect(receipts.find((r) => r.data['commandId'] === foreign.commandId)?.data).toMatchObject({ status: 'failed', errorCode: 'NOT_THIS_MEMBER', transactionId: null });
    const network = client.gateway.getNetwork(PROBE_CHANNEL).getContract('hello');
    expect(decode(await network.evaluateTransaction('Get', own.arguments[0]!))).toBe(own.arguments[1]);
    await expect(network.evaluateTransaction('Get', foreign.arguments[0]!)).rejects.toThrow(/no value/);
  });

  it("takes a command only from its organisation's principal: unsealed, another key's, tampered or replayed ones are skipped, the operator cannot write", async () => {
    const ctx = testStackContext();
    const sasl = kafkaSaslEnabled(ctx) ? await ensureMemberPrincipal(ctx, member) : undefined;
    const brokers = [...stackConnection().kafka.brokers];
    const domainKey = readTrafficKeyFile(keyFile);
    // A raw kafkajs client with the member's principal: writes bytes as given, past createKafka's sealing.
    const raw = new RawKafka({ clientId: `lb-it-raw-${hex()}`, brokers, ...(sasl ? { sasl: { mechanism: 'scram-sha-512' as const, username: sasl.username, password: sasl.password } } : {}) }).producer();
    // Another domain's key, on the member's own principal.
    const otherKey = createKafka({ clientId: `lb-it-other-${hex()}`, brokers, ...(sasl ? { sasl } : {}), trafficKeys: [new TrafficKey(newTrafficKeyBytes())] }).producer();
    const plain = command(member);
    const foreignKey = command(member);
    const tampered = command(member);
    const replayed = command(member);
    const last = command(member);
    await raw.connect();
    await otherKey.connect();
    try {
      await raw.send({ topic: topics.commands, messages: [message(plain)] });
      await otherKey.send({ topic: topics.commands, messages: [message(foreignKey)] });
      const sealed = sealTraffic(domainKey, message(tampered).value, { topic: topics.commands, key: PROBE_CHANNEL });
      sealed[sealed.length - 20] = sealed[sealed.length - 20]! ^ 0x01;
      // Sealed with the right key, but for the events topic: its AAD binds it there.
      const elsewhere = sealTraffic(domainKey, message(replayed).value, { topic: topics.events, key: PROBE_CHANNEL });
      await raw.send({ topic: topics.commands, messages: [{ key: PROBE_CHANNEL, value: sealed }, { key: PROBE_CHANNEL, value: elsewhere }] });
    } finally {
      await raw.disconnect();
      await otherKey.disconnect();
    }
    // The operator's principal holding even the right key: the broker's ACLs refuse it the topic; without a key, the client refuses first.
    const operator = stackKafka(`lb-it-op-${hex()}`);
    if (kafkaSaslEnabled(ctx)) {
      const withKey = connectionKafka(stackConnection(), `lb-it-op-${hex()}`, { retries: 0, trafficKeys: [domainKey] }).producer();
      await withKey.connect();
      await expect(withKey.send({ topic: topics.commands, messages: [message(command(member))], acks: -1, timeout: 5000 })).rejects.toThrow(/TOPIC_AUTHORIZATION_FAILED|not authorized to access topics/i);
      await withKey.disconnect();
    }
    await expect(operator.producer().send({ topic: topics.commands, messages: [message(command(member))] })).rejects.toMatchObject({ code: 'TRAFFIC_KEY_REQUIRED' });

    // Same partition (key: the channel), after the refused ones: once it ended, they had been judged.
    await producer.send({ topic: topics.commands, messages: [message(last)] });
    expect(await ended(last.commandId)).toMatchObject({ status: 'committed', submissions: 1 });
    for (const c of [plain, foreignKey, tampered, replayed]) expect(await operation(c.commandId)).toBeUndefined();
    expect(skipped.filter((s) => s['topic'] === topics.commands).map((s) => s['code'])).toEqual(['TRAFFIC_NOT_SEALED', 'TRAFFIC_UNKNOWN_KEY', 'TRAFFIC_OPEN_FAILED', 'TRAFFIC_OPEN_FAILED']);
    const network = client.gateway.getNetwork(PROBE_CHANNEL).getContract('hello');
    for (const c of [plain, foreignKey, tampered, replayed]) await expect(network.evaluateTransaction('Get', c.arguments[0]!)).rejects.toThrow(/no value/);
  });

  it('hands a batch consumer the opened commands and none of the refused ones', async () => {
    const consumer = kafka.consumer({ groupId: `${prefix}batch-${hex()}` });
    const seen: Array<{ offset: string; value: string }> = [];
    let highWatermark = -1n;
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: topics.commands, fromBeginning: true });
      const admin = kafka.admin();
      await admin.connect();
      const [end] = await admin.fetchTopicOffsets(topics.commands).finally(() => admin.disconnect());
      highWatermark = BigInt(end!.high);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`batch reader saw ${seen.length} commands`)), 60_000);
        void consumer.run({
          eachBatch: async ({ batch, resolveOffset }) => {
            for (const m of batch.messages) {
              seen.push({ offset: m.offset, value: String(m.value) });
              resolveOffset(m.offset);
            }
            if (BigInt(batch.highWatermark) >= highWatermark) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    // Every command the earlier tests sent sealed with the domain's key, opened; the 4 refused ones absent.
    const ids = seen.map((m) => (JSON.parse(m.value) as { data: { commandId: string } }).data.commandId);
    expect(seen.length).toBe(Number(highWatermark) - 4);
    expect(ids).toHaveLength(new Set(ids).size);
    // The same 4 skipped again, by this reader this time (the bridge's consumer logged them first).
    expect(skipped.filter((x) => x['topic'] === topics.commands).map((x) => x['code'])).toEqual(
      [...Array<string>(2)].flatMap(() => ['TRAFFIC_NOT_SEALED', 'TRAFFIC_UNKNOWN_KEY', 'TRAFFIC_OPEN_FAILED', 'TRAFFIC_OPEN_FAILED']),
    );
  });

  it("leaves no private value of its events, commands or receipts in the broker's log segments, where an unsealed control is found", async () => {
    // Planted values as a DAO would carry them: β in ppm, an amount, the member list as JSON.
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
    const beta = `7${digits(6)}`;
    const amount = `9${digits(11)}`;
    const msps = [`Pl${hex()}MSP`, `Pl${hex()}MSP`];
    const members = JSON.stringify(msps);
    // The list as JSON, and each MSP id alone (inside a command's arguments the JSON is escaped).
    const planted = [beta, amount, members, ...msps];
    const key = `dao-beta-${beta}-amount-${amount}`;
    const start = await client.gateway.getNetwork(PROBE_CHANNEL).getContract('hello').submitAsync('Put', { arguments: [`${key}-start`, 'start'] });
    const status = await start.getStatus();
    expect(status.successful).toBe(true);
    await bridge.addChannel({ name: PROBE_CHANNEL, chaincodes: ['hello'], startBlock: status.blockNumber });

    const c = command(member, [key, JSON.stringify({ betaPpm: Number(beta), amount, members: msps })]);
    await producer.send({ topic: topics.commands, messages: [message(c)] });
    expect(await ended(c.commandId)).toMatchObject({ status: 'committed' });
    // The values went through Kafka: the relayed event (opened with the domain's key) carries them.
    const events = await readTopic(kafka, topics.events, (m) => m.map(json).some((e) => JSON.stringify(e.data).includes(`"${key}"`)), { groupPrefix: `${prefix}reader` });
    expect(events.map((m) => String(m.value)).some((v) => v.includes(beta) && v.includes(amount))).toBe(true);
    await readTopic(kafka, topics.receipts, (m) => m.map(json).some((r) => r.data['commandId'] === c.commandId), { groupPrefix: `${prefix}reader`, lingerMs: 0 });

    // Positive control: the same values, unsealed, on a scratch topic, uncompressed (kafkajs's default).
    const scratch = `it-sealed-control-${hex()}`;
    const operator = stackKafka(`lb-it-control-${hex()}`);
    await createTopics(operator, [scratch]);
    const control = operator.producer();
    await control.connect();
    await control.send({ topic: scratch, messages: [{ value: JSON.stringify({ betaPpm: Number(beta), amount, members: msps }) }], acks: -1 });
    await control.disconnect();

    expect(scanTopicOnDisk(scratch, planted).found.sort()).toEqual([...planted].sort());
    for (const topic of [topics.events, topics.commands, topics.receipts]) {
      const scan = scanTopicOnDisk(topic, planted);
      expect({ topic, found: scan.found, sealedRecords: scan.sealedRecords }).toEqual({ topic, found: [], sealedRecords: true });
      expect(scan.bytes).toBeGreaterThan(0);
    }
  });
});
