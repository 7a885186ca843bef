import type { INestApplication } from '@nestjs/common';
import { createKafka, loadServiceConfig } from '@datawell/config';
import { ledgerCommandCloudEvent, memberTopicPrefix } from '@datawell/contracts';
import { createServiceApp } from '@datawell/service-platform';
import { ensureMemberPrincipal, kafkaSaslEnabled, memberPrincipal, principalFile } from '@datawell/stack';
import { memberKafka, memberTrafficKeyFile, stackConnection, stackEnv, testStackContext } from '@datawell/testing';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { AppModule } from '../../src/app.module';
import { ledgerBridgeService } from '../../src/config';
import { LedgerBridge } from '../../src/ledger-bridge';
import { createTopics, hex, json, operatorWallet, PROBE_CHANNEL, probeChannel, readTopic } from './harness';

jest.setTimeout(240_000);

/**
 * The ledger-bridge app in a member's mode, booted from its variables as a member's domain boots it:
 * its Kafka principal's credentials file and its domain's traffic key file (DATAWELL_TRAFFIC_KEY_FILE),
 * which the service platform hands the one Kafka client. It takes a sealed command from its topic and
 * answers with a receipt the broker holds sealed. In a database of its own: its outbox must not meet
 * other bridges' rows (the operator's topics are not its principal's, and its topics not theirs).
 */
describe("the ledger-bridge app in a member's mode, configured from the environment", () => {
  const member = 'OperatorMSP';
  const prefix = `${memberTopicPrefix(member)}it-app-${hex()}.`;
  const topics = { events: `${prefix}events`, commands: `${prefix}commands`, receipts: `${prefix}receipts` };
  const database = `lb_member_app_${hex()}`;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  let app: INestApplication;

  const admin = async <T>(fn: (db: Client) => Promise<T>): Promise<T> => {
    const db = new Client({ connectionString: stackConnection().postgres.url });
    await db.connect();
    try {
      return await fn(db);
    } finally {
      await db.end();
    }
  };

  beforeAll(async () => {
    [wallet] = await Promise.all([operatorWallet(), probeChannel()]);
    const ctx = testStackContext();
    kafka = await memberKafka(member, `lb-it-member-app-${hex()}`);
    await createTopics(kafka, Object.values(topics));
    await admin((db) => db.query(`CREATE DATABASE ${database}`));
    const url = new URL(stackConnection().postgres.url);
    url.pathname = `/${database}`;
    const peer = stackConnection().fabric.orgs[member]!.peer;
    const sasl = kafkaSaslEnabled(ctx) ? (await ensureMemberPrincipal(ctx, member), { DATAWELL_KAFKA_CREDENTIALS_FILE: principalFile(ctx, memberPrincipal(member)) }) : {};
    const config = loadServiceConfig(ledgerBridgeService, {
      ...stackEnv(),
      ...sasl,
      DATAWELL_POSTGRES_URL: url.toString(),
      DATAWELL_TRAFFIC_KEY_FILE: memberTrafficKeyFile(member),
      DATAWELL_LOG_LEVEL: 'fatal',
      // A member's bridge serves gRPC (the usage trail): on any free port beside the other tests.
      LEDGER_BRIDGE_GRPC_PORT: '0',
      LEDGER_BRIDGE_MEMBER_MSP_ID: member,
      LEDGER_BRIDGE_PEER_ENDPOINT: peer.endpoint,
      LEDGER_BRIDGE_PEER_HOST_ALIAS: peer.hostAlias,
      LEDGER_BRIDGE_PEER_TLS_CA_FILE: peer.tlsCaFile,
      LEDGER_BRIDGE_WALLET_DIR: wallet.dir,
      LEDGER_BRIDGE_CHANNELS: '',
      LEDGER_BRIDGE_EVENTS_TOPIC: topics.events,
      LEDGER_BRIDGE_COMMANDS_TOPIC: topics.commands,
      LEDGER_BRIDGE_RECEIPTS_TOPIC: topics.receipts,
      LEDGER_BRIDGE_COMMANDS_GROUP_ID: `${prefix}group`,
    });
    app = await createServiceApp(config, AppModule.forConfig);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    wallet?.remove();
    await admin((db) => db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
  });

  it('takes a sealed command, submits it and answers with a receipt the broker holds sealed', async () => {
    const commandId = `cmd-member-app-${hex()}`;
    const command = { commandId, channel: PROBE_CHANNEL, chaincode: 'hello', transaction: 'Put', arguments: [`member-app-${hex()}`, 'v'], actingMspId: member };
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: topics.commands, messages: [{ key: PROBE_CHANNEL, value: JSON.stringify(ledgerCommandCloudEvent(command, 'urn:it')) }] });
    } finally {
      await producer.disconnect();
    }
    const receipts = await readTopic(kafka, topics.receipts, (m) => m.some((r) => json(r).data['commandId'] === commandId), { groupPrefix: `${prefix}reader` });
    expect(receipts.map(json).find((r) => r.data['commandId'] === commandId)?.data).toMatchObject({ status: 'committed', transactionId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await app.get(LedgerBridge).operations.get(commandId)).toMatchObject({ status: 'committed', submissions: 1 });

    // The same receipt as the broker holds it: the sealed envelope, no JSON, no command id.
    const ctx = testStackContext();
    const raw = createKafka({ clientId: `lb-it-raw-${hex()}`, brokers: stackConnection().kafka.brokers, ...(kafkaSaslEnabled(ctx) ? { sasl: await ensureMemberPrincipal(ctx, member) } : {}), rawValues: true });
    const held = await readTopic(raw, topics.receipts, (m) => m.length >= receipts.length, { groupPrefix: `${prefix}raw`, lingerMs: 0 });
    expect(held.length).toBe(receipts.length);
    for (const m of held) {
      expect(m.value?.subarray(0, 4).toString('latin1')).toBe('DWT1');
      expect(m.value?.includes(commandId)).toBe(false);
    }
  });
});
