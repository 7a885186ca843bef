import { ledgerCommandCloudEvent, memberTopicPrefix, type LedgerCommand } from '@datawell/contracts';
import { loadServiceConfig } from '@datawell/config';
import { memberKafka, stackConnection, stackEnv } from '@datawell/testing';
import type { Kafka, Producer } from 'kafkajs';
import { ledgerBridgeService } from '../../src/config';
import type { LedgerBridge } from '../../src/ledger-bridge';
import { createTopics, decode, hex, json, newBridge, operatorWallet, probeChannel, readTopic, scratchDatabase, testGateway, waitFor, PROBE_CHANNEL } from './harness';

jest.setTimeout(240_000);

/**
 * A member's bridge, configured as `./dev` and the compose file configure one (from its variables),
 * on the real peer and broker: it signs for its own organisation and for no other, whoever wrote the
 * command to its topic. The organisation here is the probe channel's only member, the operator.
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

  const command = (actingMspId: string): LedgerCommand => ({
    commandId: `cmd-${hex()}`,
    channel: PROBE_CHANNEL,
    chaincode: 'hello',
    transaction: 'Put',
    arguments: [`k-${hex()}`, `v-${hex()}`],
    actingMspId,
  });

  const operation = async (commandId: string) =>
    ((await db.dataSource.query(`SELECT status, error_code, submissions FROM "${db.schema}".operations WHERE command_id = $1`, [commandId])) as Array<{ status: string; error_code: string | null; submissions: number }>)[0];

  beforeAll(async () => {
    [db, wallet, client] = await Promise.all([scratchDatabase(), operatorWallet(), testGateway(), probeChannel()]);
    const peer = stackConnection().fabric.orgs[member]!.peer;
    const { settings } = loadServiceConfig(ledgerBridgeService, {
      ...stackEnv(),
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
    expect(settings.member).toEqual({ mspId: member });
    topics = settings.topics;
    // The member's own principal: the broker refuses the operator's every topic and group under the member's prefix.
    kafka = await memberKafka(member, `lb-it-member-${hex()}`);
    await createTopics(kafka, [topics.events, topics.commands, topics.receipts]);
    producer = kafka.producer();
    await producer.connect();
    bridge = newBridge(db, kafka, { ...settings, channels: [] });
    await bridge.start();
  });

  afterAll(async () => {
    await bridge?.stop();
    await producer?.disconnect();
    client?.close();
    wallet?.remove();
    await db?.drop();
  });

  it('submits as its own organisation and refuses a command naming another, without reaching Fabric', async () => {
    const own = command(member);
    const foreign = command('LcDspMSP');
    await producer.send({ topic: topics.commands, messages: [own, foreign].map((c) => ({ key: PROBE_CHANNEL, value: JSON.stringify(ledgerCommandCloudEvent(c, 'urn:it')) })) });

    const ended = (id: string) => waitFor(`operation ${id}`, async () => {
      const row = await operation(id);
      return row && row.status !== 'pending' && row.status !== 'submitted' ? row : undefined;
    });
    expect(await ended(own.commandId)).toMatchObject({ status: 'committed', error_code: null, submissions: 1 });
    expect(await ended(foreign.commandId)).toMatchObject({ status: 'failed', error_code: 'NOT_THIS_MEMBER', submissions: 0 });

    const receipts = (await readTopic(kafka, topics.receipts, (m) => m.length >= 2, { groupPrefix: `${prefix}reader` })).map(json);
    expect(receipts.find((r) => r.data['commandId'] === foreign.commandId)?.data).toMatchObject({ status: 'failed', errorCode: 'NOT_THIS_MEMBER', transactionId: null });
    const network = client.gateway.getNetwork(PROBE_CHANNEL).getContract('hello');
    expect(decode(await network.evaluateTransaction('Get', own.arguments[0]!))).toBe(own.arguments[1]);
    await expect(network.evaluateTransaction('Get', foreign.arguments[0]!)).rejects.toThrow(/no value/);
  });
});
